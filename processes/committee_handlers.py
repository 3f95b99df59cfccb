"""Committee establishment's handlers: the registry choices, the partners' answers, the registry.

- `list_committee_choices` (at the start, a `@lookup`: it runs inside the starting step, so
  the draft form is open when the case starts): the preparatory committees, for the draft
  form's list (`preparatory_committees`, value = the committee's registry id), so a
  preparatory committee is matched by identity, not by its English name.
- `collect_endorsements` (after each endorsement round, a `@lookup`: the next form is open
  when the last partner has answered): every partner's answer with who gave it, as
  `endorsement_notes` (name, decision, comment) for the drafter and the Secretariat, and the
  changes partners asked for in earlier rounds (`earlier_change_requests`), so the
  Secretariat reviewing the last draft knows what was objected to; the
  committee's name and the sector's label for the forms; whether the
  committee is already in the registry (`existing_committee`), so the Secretariat chooses to
  amend it or refuse; and, when the review opens, its decision and comment emptied.
- `register_committee`: creates, promotes or (when the Secretariat chose so) amends the
  committee, recording the change with before and after; anything else already in the
  registry is refused with an incident, never overwritten.
- `set_board_representatives`: the committee's 2-3 rotating Project Board representatives.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.runtime.handlers import ServiceCall, lookup
from engine.store.models import HistoryEvent
from processes import call_data, registry_board
from processes.answers import case_form, display_names, gather_answers, option_labels
from processes.call_data import HandlerError
from processes.registry import RegistryCommittee, RegistryCommitteeChange


@lookup
def list_committee_choices(session: Session, call: ServiceCall) -> dict[str, Any]:
    rows = session.scalars(select(RegistryCommittee).where(RegistryCommittee.status == "preparatory")
                           .order_by(RegistryCommittee.name)).all()
    return {"preparatory_committees": [{"label": c.name, "value": str(c.id)} for c in rows]}


def target_committee(session: Session, data: dict[str, Any]) -> tuple[RegistryCommittee | None, str]:
    """The registry row the case is about (None: a new name) and the committee's name."""
    if data.get("establishment_kind") == "preparatory":
        raw = data.get("preparatory_committee")
        try:
            committee = session.get(RegistryCommittee, int(str(raw)))
        except (TypeError, ValueError) as exc:
            raise HandlerError(f"bad preparatory_committee {raw!r}") from exc
        if committee is None:
            raise HandlerError(f"unknown committee {raw!r} (preparatory_committee)")
        return committee, committee.name
    name = call_data.required(data, "committee_name")
    committee = session.scalar(select(RegistryCommittee).where(
        func.lower(RegistryCommittee.name) == name.lower()))
    return committee, name


def is_conflict(committee: RegistryCommittee | None, data: dict[str, Any], case_id: int) -> bool:
    """The case would change a committee it does not simply promote: the Secretariat decides."""
    if committee is None or committee.updated_by_case_id == case_id:
        return False
    promotes = data.get("establishment_kind") == "preparatory" and committee.status == "preparatory"
    return not promotes


def sector_label(session: Session, call: ServiceCall, committee: RegistryCommittee | None) -> str:
    d = call.data
    if d.get("establishment_kind") == "preparatory" and committee is not None:
        code = committee.sector or ""
    else:
        code = call_data.text(d, "sector") or ""
    if code == "other":
        return call_data.text(d, "sector_other") or "other"
    labels = option_labels(case_form(session, call.case_id, "tor_draft"), "sector")
    return labels.get(code, code)


@lookup
def collect_endorsements(session: Session, call: ServiceCall) -> dict[str, Any]:
    d = call.data
    notes = gather_answers(session, call.case_id, "endorse_tor", after_element="draft_tor",
                           form_id="tor_endorsement", decision_key="endorsement_decision",
                           fields=("endorsement_comment",))
    every = gather_answers(session, call.case_id, "endorse_tor", after_element=None,
                           form_id="tor_endorsement", decision_key="endorsement_decision",
                           fields=("endorsement_comment",))
    # The current round is the end of every round: what comes before it is earlier rounds'.
    earlier = [n for n in every[:len(every) - len(notes)] if n["code"] == "request_changes"]
    for note in (*notes, *earlier):
        note["comment"] = note.pop("endorsement_comment")
    committee, name = target_committee(session, d)
    existing = None
    if is_conflict(committee, d, call.case_id):
        assert committee is not None
        existing = {"id": committee.id, "name": committee.name, "status": committee.status,
                    "established_on": committee.established_on.isoformat()
                    if committee.established_on else "",
                    "proposing_entity": committee.proposing_entity or "",
                    "board_representatives": ", ".join(committee.board_representatives or [])}
    partners = call_data.names(d.get("partner_institutions"))
    names = display_names(session, partners)
    out: dict[str, Any] = {
        "endorsement_notes": notes, "earlier_change_requests": earlier, "committee_name": name,
        "sector_label": sector_label(session, call, committee),
        "partner_names": ", ".join(names.get(p, p) for p in partners),
        "existing_committee": existing, "existing_committee_action": None}
    if "request_changes" not in [n["code"] for n in notes]:
        # The review opens now: its decision and comment start empty in every round
        # (the history keeps the earlier ones, with who wrote them).
        out.update(review_decision=None, last_review_comment=None)
    return out


def _snapshot(committee: RegistryCommittee) -> dict[str, Any]:
    return {"name": committee.name, "status": committee.status, "sector": committee.sector,
            "proposing_entity": committee.proposing_entity,
            "partner_institutions": list(committee.partner_institutions or []),
            "terms_of_reference": committee.terms_of_reference,
            "established_on": committee.established_on.isoformat() if committee.established_on else None}


def _last_user(session: Session, case_id: int, element_id: str) -> str | None:
    return session.scalar(select(HistoryEvent.user).where(
        HistoryEvent.case_id == case_id, HistoryEvent.element_id == element_id,
        HistoryEvent.kind == "task_completed").order_by(HistoryEvent.id.desc()).limit(1))


def register_committee(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Create the committee as established, promote the chosen preparatory one, or amend an
    existing one when the Secretariat chose to (`existing_committee_action == "amend"`)."""
    d = call.data
    committee, name = target_committee(session, d)
    change = "created"
    before = None
    if committee is not None and committee.updated_by_case_id != call.case_id:
        before = _snapshot(committee)
        if not is_conflict(committee, d, call.case_id):
            change = "promoted"
        elif d.get("existing_committee_action") == "amend":
            change = "amended"
        else:
            raise HandlerError(
                f"committee {committee.name!r} is already in the registry ({committee.status}); "
                "the Secretariat chooses to amend it or refuse (existing_committee_action)")
    if committee is None:
        committee = RegistryCommittee(name=name, board_representatives=[])
        session.add(committee)
    if committee.status != "established" or committee.established_on is None:
        committee.established_on = call_data.now().date()
    committee.status = "established"
    if d.get("establishment_kind") != "preparatory":
        sector = call_data.text(d, "sector")
        committee.sector = (call_data.text(d, "sector_other") if sector == "other" else sector) \
            or committee.sector
    committee.proposing_entity = (call_data.text(d, "proposing_entity")
                                  or call_data.text(d, "initiator")
                                  or call_data.case_starter(session, call.case_id)
                                  or committee.proposing_entity)
    committee.partner_institutions = call_data.names(d.get("partner_institutions"))
    committee.terms_of_reference = {key: d.get(key) for key in (
        "objectives", "scope", "membership", "resource_mobilization_plan")}
    committee.updated_by_case_id = call.case_id
    session.flush()
    recorded = session.scalar(select(RegistryCommitteeChange).where(
        RegistryCommitteeChange.idempotency_key == call.idempotency_key))
    if recorded is None:
        session.add(RegistryCommitteeChange(
            committee_id=committee.id, kind=change, case_id=call.case_id,
            changed_by=_last_user(session, call.case_id, "review_tor"), changed_at=call_data.now(),
            before=before, after=_snapshot(committee), idempotency_key=call.idempotency_key))
    else:
        change = recorded.kind
    session.flush()
    out: dict[str, Any] = {"committee_id": committee.id, "committee_status": "established",
                           "committee_change": change}
    if change == "amended":
        out["case_outcome"] = "amended"
    return out


def set_board_representatives(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Record the committee's 2-3 rotating Project Board representatives (replaces the list)."""
    d = call.data
    names = call_data.names([d.get("representative_1"), d.get("representative_2"), d.get("representative_3")])
    if not 2 <= len(names) <= 3:
        raise HandlerError(f"a committee names 2 to 3 Project Board representatives, got {len(names)}")
    committee = None
    if d.get("committee_id") is not None:
        committee = session.get(RegistryCommittee, int(d["committee_id"]))
    if committee is None:
        name = call_data.required(d, "committee_name")
        committee = session.scalar(select(RegistryCommittee).where(RegistryCommittee.name == name))
    if committee is None:
        raise HandlerError(f"unknown committee {d.get('committee_name')!r}")
    committee.board_representatives = names
    committee.updated_by_case_id = call.case_id
    registry_board.name_nominees(session, committee.name, names, call.case_id)  # the Board's rotation pool
    return {"board_representatives": names}


__all__ = ["collect_endorsements", "is_conflict", "list_committee_choices",
           "register_committee", "set_board_representatives", "target_committee"]
