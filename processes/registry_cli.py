"""`alliance registry list|show`: the registry the processes keep, read from the command line.

`list` prints every committee (status, sector, since when), the Business Council's members and
observers, the initiatives with their task forces and the Annual Work Plans; `--section` keeps
one of them. `show COMMITTEE` (a name, any case, or an id) prints one committee: its terms of
reference, partners, Project Board representatives and every recorded change (created,
promoted, amended: by which case, who decided, what it was before).
"""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cli.app import CliContext, cli, emit, pass_cli
from processes.registry import (
    RegistryBusinessCouncilMember,
    RegistryCommittee,
    RegistryCommitteeChange,
    RegistryInitiative,
    RegistryTaskForce,
    RegistryWorkPlan,
)

SECTIONS = ("committees", "business_council", "initiatives", "work_plans")


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def registry_listing(session: Session, sections: tuple[str, ...] = SECTIONS
                     ) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    if "committees" in sections:
        out["committees"] = [
            {"id": c.id, "name": c.name, "status": c.status, "sector": c.sector,
             "established_on": _day(c.established_on), "proposing_entity": c.proposing_entity,
             "board_representatives": list(c.board_representatives or []),
             "case_id": c.updated_by_case_id}
            for c in session.scalars(select(RegistryCommittee).order_by(RegistryCommittee.status.desc(),
                                                                        RegistryCommittee.name))]
    if "business_council" in sections:
        out["business_council"] = [
            {"id": m.id, "name": m.name, "kind": m.kind, "since": _day(m.since),
             "eligible_from": _day(m.eligible_from), "case_id": m.case_id}
            for m in session.scalars(select(RegistryBusinessCouncilMember)
                                     .order_by(RegistryBusinessCouncilMember.kind,
                                               RegistryBusinessCouncilMember.name))]
    if "initiatives" in sections:
        forces: dict[int, list[dict[str, Any]]] = {}
        for t in session.scalars(select(RegistryTaskForce).order_by(RegistryTaskForce.id)):
            forces.setdefault(t.initiative_id, []).append(
                {"id": t.id, "lead": t.lead, "status": t.status, "case_id": t.case_id})
        out["initiatives"] = [
            {"id": i.id, "title": i.title, "status": i.status, "case_id": i.case_id,
             "task_forces": forces.get(i.id, [])}
            for i in session.scalars(select(RegistryInitiative).order_by(RegistryInitiative.id))]
    if "work_plans" in sections:
        out["work_plans"] = [
            {"year": p.year, "status": p.status, "approved_budget": str(p.approved_budget),
             "activities": [{"committee": a.committee_name, "title": a.title, "status": a.status,
                             "approved_seed_funding": str(a.approved_seed_funding)}
                            for a in p.activities], "case_id": p.case_id}
            for p in session.scalars(select(RegistryWorkPlan).order_by(RegistryWorkPlan.year))]
    return out


def committee_details(session: Session, which: str) -> dict[str, Any] | None:
    committee = session.get(RegistryCommittee, int(which)) if which.isdigit() else session.scalar(
        select(RegistryCommittee).where(func.lower(RegistryCommittee.name) == which.strip().lower()))
    if committee is None:
        return None
    changes = session.scalars(select(RegistryCommitteeChange)
                              .where(RegistryCommitteeChange.committee_id == committee.id)
                              .order_by(RegistryCommitteeChange.id)).all()
    return {"id": committee.id, "name": committee.name, "status": committee.status,
            "sector": committee.sector, "established_on": _day(committee.established_on),
            "proposing_entity": committee.proposing_entity,
            "partner_institutions": list(committee.partner_institutions or []),
            "board_representatives": list(committee.board_representatives or []),
            "terms_of_reference": committee.terms_of_reference or {},
            "case_id": committee.updated_by_case_id,
            "changes": [{"kind": c.kind, "case_id": c.case_id, "changed_by": c.changed_by,
                         "changed_at": c.changed_at.isoformat(), "before": c.before, "after": c.after}
                        for c in changes]}


@cli.group()
def registry() -> None:
    """The Alliance's registry as the processes keep it (committees, Business Council ...)."""


@registry.command("list")
@click.option("--section", type=click.Choice(SECTIONS), multiple=True,
              help="only this part of the registry (repeatable)")
@pass_cli
def list_registry(ctx: CliContext, section: tuple[str, ...]) -> None:
    """List the registry: committees, Business Council, initiatives and task forces, work plans."""
    with ctx.session() as session:
        out = registry_listing(session, section or SECTIONS)
    emit(ctx, out, _listing_text)


@registry.command("show")
@click.argument("committee")
@pass_cli
def show_registry(ctx: CliContext, committee: str) -> None:
    """One committee (by name or id): its terms of reference and every recorded change."""
    with ctx.session() as session:
        out = committee_details(session, committee)
    if out is None:
        raise click.ClickException(f"no committee {committee!r} in the registry")
    emit(ctx, out, _committee_text)


def _case(case_id: Any) -> str:
    return f" (case {case_id})" if case_id else ""


def _listing_text(out: dict[str, list[dict[str, Any]]]) -> str:
    lines: list[str] = []
    if "committees" in out:
        lines.append(f"Committees ({len(out['committees'])}):")
        lines += [f"  {c['id']:>3}  {c['name']:<62} {c['status']:<12} {c['sector'] or ''}"
                  f"{' since ' + c['established_on'] if c['established_on'] else ''}{_case(c['case_id'])}"
                  for c in out["committees"]]
    if "business_council" in out:
        lines.append(f"Business Council ({len(out['business_council'])}):")
        lines += [f"  {m['name']:<55} {m['kind']:<18} since {m['since']}{_case(m['case_id'])}"
                  for m in out["business_council"]]
    if "initiatives" in out:
        lines.append(f"Initiatives ({len(out['initiatives'])}):")
        for i in out["initiatives"]:
            lines.append(f"  {i['id']:>3}  {i['title']:<55} {i['status']}{_case(i['case_id'])}")
            lines += [f"         task force {t['id']}: {t['lead']} ({t['status']}){_case(t['case_id'])}"
                      for t in i["task_forces"]]
    if "work_plans" in out:
        lines.append(f"Annual Work Plans ({len(out['work_plans'])}):")
        for p in out["work_plans"]:
            lines.append(f"  {p['year']}  {p['status']}, approved budget {p['approved_budget']}"
                         f"{_case(p['case_id'])}")
            lines += [f"        {a['committee']}: {a['title'] or ''} "
                      f"({a['status']}, {a['approved_seed_funding']})" for a in p["activities"]]
    return "\n".join(lines)


def _committee_text(c: dict[str, Any]) -> str:
    lines = [f"{c['name']} (id {c['id']}): {c['status']}"
             + (f" since {c['established_on']}" if c["established_on"] else ""),
             f"  sector: {c['sector'] or ''}", f"  proposing entity: {c['proposing_entity'] or ''}",
             f"  partner institutions: {', '.join(c['partner_institutions'])}",
             f"  Project Board representatives: {', '.join(c['board_representatives'])}"]
    for key, value in c["terms_of_reference"].items():
        lines.append(f"  {key.replace('_', ' ')}: {value or ''}")
    lines.append(f"  changes ({len(c['changes'])}):")
    for change in c["changes"]:
        lines.append(f"    {change['changed_at'][:10]}  {change['kind']:<9}{_case(change['case_id'])}"
                     f"{' by ' + change['changed_by'] if change['changed_by'] else ''}")
        before, after = change["before"] or {}, change["after"] or {}
        for key in sorted(k for k in after if before and before.get(k) != after.get(k)):
            lines.append(f"      {key}: {before.get(key)!r} -> {after.get(key)!r}")
    return "\n".join(lines)


__all__ = ["SECTIONS", "committee_details", "registry", "registry_listing"]
