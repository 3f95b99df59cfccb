"""The case's history as people read it (web.dashboard_history): who by their display name
(case page and task page), the data's fields and codes by their labels (case page); the task
page's facts about the case by their labels too."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import sessionmaker

from engine.access.users import actor
from engine.runtime.tasks import complete_task
from tests.web.flows import TOR, only_task, start_committee

REASON = "Name the heritage sites in the scope."
WHO = re.compile(r"</time> <strong>([^<]*)</strong>")
LINE = re.compile(r"<li.*?</li>", re.S)
FACT = re.compile(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>")


def timeline_of(client: FlaskClient, url: str, list_id: str = "timeline") -> str:
    response = client.get(url)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    found = re.search(rf'id="{list_id}".*?</ol>', body, re.S)
    assert found, f"no {list_id} on {url}"
    return found.group(0)


def test_history_names_people_and_shows_labels(login_as: Callable[[str], FlaskClient],
                                               seeded: sessionmaker[Any]) -> None:
    case_id, draft = start_committee(seeded, "TOR-HISTORY")
    with seeded() as session:
        complete_task(session, draft, user=actor(session, "quanzhou"), data=TOR)
        session.commit()
        complete_task(session, only_task(session, case_id), user=actor(session, "iran_chamber"),
                      data={"endorsement_decision": "request_changes", "endorsement_comment": REASON})
        session.commit()
        redraft = only_task(session, case_id)

    timeline = timeline_of(login_as("sec_wang"), f"/cases/{case_id}")
    assert set(WHO.findall(timeline)) == {"Quanzhou Municipal Government", "Iran Chamber of Commerce",
                                          "the system"}
    [draft_line] = [li for li in LINE.findall(timeline) if "Draft terms of reference" in li]
    assert "Sector: Tourism\n" in draft_line and "Main partner institutions: Iran Chamber of Commerce" \
        in draft_line and "tourism" not in draft_line.replace("heritage tourism", "")
    [answer] = [li for li in LINE.findall(timeline) if "<strong>Iran Chamber of Commerce" in li]
    assert "Your institution&#39;s position: Request changes" in answer
    assert f"Comment: {REASON}" in answer and "request_changes" not in answer
    # The task page's history names people the same way (it shows no data); its facts about
    # the case show the codes of every form of the case by their labels, and who started it.
    client = login_as("quanzhou")
    history = timeline_of(client, f"/tasks/{redraft}", "history")
    assert "Iran Chamber of Commerce" in WHO.findall(history)
    assert not any(name in WHO.findall(history) for name in ("iran_chamber", "quanzhou"))
    page = client.get(f"/tasks/{redraft}").get_data(as_text=True)
    about = re.search(r'About this case</h2>\s*<dl class="facts">.*?</dl>', page, re.S)
    assert about, "no facts about the case"
    facts = dict(FACT.findall(about.group(0)))
    assert facts["Sector"] == "Tourism" and facts["What do you propose?"] == "A new committee"
    assert facts["Main partner institutions"] == "Iran Chamber of Commerce"
    assert "<dt>Started by</dt><dd>Quanzhou Municipal Government ·" in page
