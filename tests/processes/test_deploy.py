"""Every processes/*.bpmn deploys through the engine, with its forms."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from engine.definitions import deployment as definitions

PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def test_every_process_file_deploys(session: Session) -> None:
    files = definitions.files_from_paths([PROCESSES])
    bpmn_files = sorted(p.name for p in PROCESSES.glob("*.bpmn"))
    assert len(bpmn_files) >= 5
    result = definitions.deploy(session, files)
    deployed = {r.process_id for r in result}
    assert {"committee_establishment", "business_council_membership", "annual_work_plan",
            "initiative_incubation", "task_force"} <= deployed
    assert all(r.created and r.version == 1 for r in result)
    again = definitions.deploy(session, files)
    assert all(not r.created for r in again)


def test_each_user_task_has_its_form_stored(session: Session) -> None:
    definitions.deploy(session, definitions.files_from_paths([PROCESSES]))
    for summary in definitions.list_definitions(session):
        row = definitions.find_definition(session, summary.process_id)
        loaded = definitions.load_definition(session, row)
        for element in loaded.info.elements.values():
            if element.kind == "userTask":
                assert element.form_id in loaded.forms, (summary.process_id, element.element_id)
