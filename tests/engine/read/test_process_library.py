"""The modeler's library (engine.read.process_library) on the Alliance's deployed processes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import sessionmaker

from engine.access.users import actor
from engine.definitions.translations import latest_process_info
from engine.read.process_library import process_library
from engine.runtime import case_status
from tests.web.flows import start_committee


def test_each_process_once_with_its_open_cases_per_version(seeded: sessionmaker[Any]) -> None:
    start_committee(seeded, "LIB-1")
    cancelled, _ = start_committee(seeded, "LIB-2")
    with seeded() as session:
        case_status.cancel_case(session, cancelled, user=actor(session, "sec_wang"), reason="duplicate")
        session.commit()
        entries = {e.process_id: e for e in process_library(session)}
    committee = entries["committee_establishment"]
    assert committee.latest.version == max(v.version for v in committee.versions)
    assert committee.latest.open_cases == 1  # the cancelled one is not open
    assert all(v.open_cases == 0 for e in entries.values() if e is not committee for v in e.versions)
    assert len(entries) == len({e.process_id for e in entries.values()})


def test_latest_process_info_names_lanes_and_knows_unknown_processes(seeded: sessionmaker[Any]) -> None:
    with seeded() as session:
        info = latest_process_info(session, "committee_establishment")
        assert info.lanes["Lane_secretariat"] == "Secretariat"
        assert "draft_tor" in info.elements
        unknown = latest_process_info(session, "no_such_process")
        assert (unknown.process_id, unknown.lanes, unknown.elements) == ("no_such_process", {}, {})
