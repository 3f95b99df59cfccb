"""Helpers for the modeler's tests: diagrams with errors, JSON posts with the CSRF header."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.web.conftest import CSRF_META, PROCESSES

COMMITTEE = (PROCESSES / "committee_establishment.bpmn").read_text()


def without_gateway_exits(xml: str) -> str:
    """gw_endorsed with no outgoing flow (its flows and their edges removed)."""
    xml = xml.replace("<bpmn:outgoing>Flow_changes_requested</bpmn:outgoing>", "")
    xml = xml.replace("<bpmn:outgoing>Flow_all_endorsed</bpmn:outgoing>", "")
    xml = xml.replace(' default="Flow_all_endorsed"', "")
    for flow in ("Flow_changes_requested", "Flow_all_endorsed"):
        xml = re.sub(rf'<bpmn:sequenceFlow id="{flow}".*?(/>|</bpmn:sequenceFlow>)', "", xml, flags=re.S)
        xml = re.sub(rf'<bpmndi:BPMNEdge id="{flow}_di".*?</bpmndi:BPMNEdge>', "", xml, flags=re.S)
        xml = xml.replace(f"<bpmn:incoming>{flow}</bpmn:incoming>", "")
    return xml


BROKEN = {
    "gateway": (without_gateway_exits(COMMITTEE), "gw_endorsed"),
    "expression": (COMMITTEE.replace("review_decision == 'approve'", "review_decision == = 'approve'"),
                   "Flow_approved"),
    "import": (COMMITTEE.replace("endorsements = []", "import os\nendorsements = []"),
               "open_endorsement_round"),
}


def token(client: FlaskClient, url: str = "/modeler/") -> str:
    found = CSRF_META.search(client.get(url).get_data(as_text=True))
    assert found, "no CSRF token"
    return found.group(1)


def post_json(client: FlaskClient, url: str, body: Any, *, csrf: bool = True) -> Any:
    headers = {"X-CSRFToken": token(client)} if csrf else {}
    return client.post(url, json=body, headers=headers)
