"""Handlers of `cities_forum`: the edition, its host, agenda, participants, agreements, report.

Same contract as `processes.handlers`: `handler(session, call) -> dict`, no commit, an upsert on
a natural key (the year; forum + city; forum + agreement title), `HandlerError` on bad data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.runtime.handlers import Handler, ServiceCall
from processes import call_data
from processes.call_data import HandlerError
from processes.registry_forum import (
    AGREEMENT_KINDS,
    FOLLOW_UP_STATUSES,
    RegistryForumAgreement,
    RegistryForumEdition,
    RegistryForumParticipant,
)


def _when(data: dict[str, Any], key: str) -> datetime | None:
    value = call_data.text(data, key)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise HandlerError(f"{key}: not a date and time: {value!r}") from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # forms send UTC


def _forum(session: Session, data: dict[str, Any]) -> RegistryForumEdition:
    return call_data.row_by_id(session, RegistryForumEdition, data.get("forum_id"), "forum_id",
                               "Forum edition")


def register_forum_edition(session: Session, call: ServiceCall) -> dict[str, Any]:
    """The year's Forum (one a year): theme, proposed host city and dates."""
    d = call.data
    try:
        year = int(d["year"])
    except (KeyError, TypeError, ValueError) as exc:
        raise HandlerError(f"year: bad value {d.get('year')!r}") from exc
    forum = session.scalar(select(RegistryForumEdition).where(RegistryForumEdition.year == year))
    if forum is not None and forum.case_id not in (None, call.case_id):
        raise HandlerError(f"year: the {year} Cities Forum is prepared by case {forum.case_id}")
    if forum is None:
        forum = RegistryForumEdition(year=year, case_id=call.case_id)
        session.add(forum)
    forum.case_id = call.case_id
    forum.theme = call_data.text(d, "forum_theme")
    forum.host_city = call_data.required(d, "host_city")
    forum.starts_at, forum.ends_at = _when(d, "forum_start"), _when(d, "forum_end")
    if forum.starts_at and forum.ends_at and forum.ends_at < forum.starts_at:
        raise HandlerError("forum_end: the Forum ends before it starts")
    forum.status = "planning"
    session.flush()
    return {"forum_id": forum.id, "case_title": f"Cities Forum {year}"}


def confirm_forum_host(session: Session, call: ServiceCall) -> dict[str, Any]:
    """The host city confirmed: it hosts (and bears the hosting costs) at its venue."""
    d = call.data
    forum = _forum(session, d)
    forum.host_city = call_data.required(d, "host_city")
    forum.venue = call_data.text(d, "forum_venue")
    forum.host_confirmed_on = forum.host_confirmed_on or call_data.now().date()
    forum.status = "host_confirmed"
    return {"forum_status": forum.status}


def publish_forum_agenda(session: Session, call: ServiceCall) -> dict[str, Any]:
    """Store the agenda and the guidance to the committees, list the invited cities; the next
    step (`notify`) tells the committees."""
    d = call.data
    forum = _forum(session, d)
    forum.agenda = call_data.required(d, "forum_agenda")
    forum.guidance_to_committees = call_data.required(d, "guidance_to_committees")
    invited = call_data.names(d.get("invited_cities"))
    if not invited:
        raise HandlerError("invited_cities: invite at least one city")
    known = {p.city for p in forum.participants}
    for city in invited:
        if city not in known:
            session.add(RegistryForumParticipant(forum_id=forum.id, city=city, delegates=[]))
    forum.status = "agenda_published"
    session.flush()
    return {"forum_status": forum.status, "invited_cities": invited, "notification_group": "committee",
            "notification_subject": f"Cities Forum {forum.year}: agenda and guidance to the committees"}


def _participant(session: Session, call: ServiceCall) -> RegistryForumParticipant:
    forum = _forum(session, call.data)
    city = call_data.required(call.data, "city")
    row = session.scalar(select(RegistryForumParticipant).where(
        RegistryForumParticipant.forum_id == forum.id, RegistryForumParticipant.city == city))
    if row is None:
        row = RegistryForumParticipant(forum_id=forum.id, city=city, delegates=[])
        session.add(row)
    return row


def record_forum_registration(session: Session, call: ServiceCall) -> dict[str, Any]:
    """One invited city's answer: attends (with its delegation) or not."""
    d = call.data
    attendance = call_data.text(d, "attendance", required=True)
    if attendance not in ("attend", "not_attend"):
        raise HandlerError(f"attendance: unknown answer {attendance!r}")
    row = _participant(session, call)
    row.attendance = attendance
    row.delegation_head = call_data.text(d, "delegation_head") if attendance == "attend" else None
    row.delegates = call_data.names(d.get("delegates")) if attendance == "attend" else []
    session.flush()
    return {"attendance": attendance}


def record_missed_registration(session: Session, call: ServiceCall) -> dict[str, Any]:
    """The registration deadline passed without the city's answer."""
    row = _participant(session, call)
    row.attendance = "no_reply"
    session.flush()
    return {"attendance": "no_reply"}


def register_forum_agreement(session: Session, call: ServiceCall) -> dict[str, Any]:
    """An agreement signed as a result of the Forum (upsert by title), its follow-up open."""
    d = call.data
    forum = _forum(session, d)
    kind = call_data.text(d, "agreement_kind", required=True)
    if kind not in AGREEMENT_KINDS:
        raise HandlerError(f"agreement_kind: unknown kind {kind!r}")
    title = call_data.required(d, "agreement_title")
    row = session.scalar(select(RegistryForumAgreement).where(
        RegistryForumAgreement.forum_id == forum.id, RegistryForumAgreement.title == title))
    if row is None:
        row = RegistryForumAgreement(forum_id=forum.id, title=title, kind=kind, signatories=[])
        session.add(row)
    row.kind = kind
    row.signatories = call_data.names(d.get("agreement_signatories"))
    row.summary = call_data.text(d, "agreement_summary")
    row.follow_up_committee = call_data.required(d, "follow_up_committee")
    row.case_id = call.case_id
    forum.status = "held"
    session.flush()
    return {"last_agreement_id": row.id}


def list_forum_agreements(session: Session, call: ServiceCall) -> dict[str, Any]:
    """The edition's agreements, from the registry, one follow-up each (`agreements`)."""
    forum = _forum(session, call.data)
    return {"agreements": [{"agreement_id": a.id, "title": a.title, "kind": a.kind,
                            "follow_up_committee": a.follow_up_committee} for a in forum.agreements]}


def record_agreement_follow_up(session: Session, call: ServiceCall) -> dict[str, Any]:
    d = call.data
    item = d.get("agreement")
    raw = item.get("agreement_id") if isinstance(item, dict) else None
    row = call_data.row_by_id(session, RegistryForumAgreement, raw, "agreement", "agreement")
    status = call_data.text(d, "follow_up_status", required=True)
    if status not in FOLLOW_UP_STATUSES:
        raise HandlerError(f"follow_up_status: unknown status {status!r}")
    row.follow_up_status = status
    row.follow_up_note = call_data.text(d, "follow_up_note")
    return {"follow_up_status": status}


def publish_forum_report(session: Session, call: ServiceCall) -> dict[str, Any]:
    forum = _forum(session, call.data)
    forum.report = call_data.required(call.data, "report_summary")
    forum.status = "reported"
    attending = sum(1 for p in forum.participants if p.attendance == "attend")
    return {"forum_status": forum.status, "cities_attending": attending,
            "agreements_signed": len(forum.agreements)}


FORUM_HANDLERS: dict[str, Handler] = {f.__name__: f for f in (
    register_forum_edition, confirm_forum_host, publish_forum_agenda, record_forum_registration,
    record_missed_registration, register_forum_agreement, list_forum_agreements,
    record_agreement_follow_up, publish_forum_report)}
"""Guarded for `cities_forum`."""

__all__ = ["FORUM_HANDLERS"]
