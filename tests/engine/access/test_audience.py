"""Who answers to a task's principals (engine.access.audience)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.access.audience import people_answering
from engine.access.bodies import add_member, ensure_body, ensure_organisation, set_organisation
from engine.access.users import create_user, get_user


def test_users_groups_bodies_roles_and_organisations_resolve_to_active_people(session: Session) -> None:
    for name, groups in (("ana", ["secretariat"]), ("bo", ["secretariat"]), ("cy", []), ("di", []),
                         ("ed", []), ("gone", ["secretariat"])):
        create_user(session, name, groups=groups, password="secret-pw")
    get_user(session, "gone").active = False
    ensure_body(session, "committee.tourism", "Tourism Committee", "committee")
    ensure_organisation(session, "iran_chamber", "Iran Chamber of Commerce", "chamber")
    set_organisation(session, "di", "iran_chamber")
    add_member(session, "committee.tourism", "cy", role="chair")
    add_member(session, "committee.tourism", "org:iran_chamber")
    session.flush()

    assert people_answering(session, ["group:secretariat"]) == ["ana", "bo"]
    assert people_answering(session, ["body:committee.tourism"]) == ["cy", "di"]
    assert people_answering(session, ["body:committee.tourism#chair"]) == ["cy"]
    assert people_answering(session, ["org:iran_chamber"]) == ["di"]
    assert people_answering(session, ["user:ed", "ana", "user:nobody", "body:unknown", "bad ref:"]) == \
        ["ana", "ed"]
    assert people_answering(session, []) == []
