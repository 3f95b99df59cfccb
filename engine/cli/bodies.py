"""Organisations, bodies and memberships (operator commands, like `users`)."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from engine.access import bodies as body_uc
from engine.cli.app import CliContext, cli, emit, pass_cli


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an ISO date or date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@cli.group()
def orgs() -> None:
    """Organisations: member cities, partner institutions, companies, the Secretariat ..."""


@orgs.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--kind", type=click.Choice(body_uc.ORGANISATION_KINDS), required=True)
@click.option("--country", default=None)
@pass_cli
def org_add(ctx: CliContext, code: str, name: str, kind: str, country: str | None) -> None:
    with ctx.session() as session:
        row = body_uc.ensure_organisation(session, code, name, kind, country)
        out = {"code": row.code, "name": row.name, "kind": row.kind}
    emit(ctx, out, lambda v: f"organisation {v['code']}: {v['name']} ({v['kind']})")


@orgs.command("list")
@pass_cli
def org_list(ctx: CliContext) -> None:
    with ctx.session() as session:
        rows = [{"code": o.code, "name": o.name, "kind": o.kind, "country": o.country}
                for o in body_uc.list_organisations(session)]
    emit(ctx, rows, lambda rs: "\n".join(f"{r['code']:28} {r['kind']:12} {r['name']}" for r in rs)
         or "no organisations")


@cli.group()
def bodies() -> None:
    """Bodies (committees, task forces, the Business Council, the Project Board) and their members."""


@bodies.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--kind", type=click.Choice(body_uc.BODY_KINDS), required=True)
@pass_cli
def body_add(ctx: CliContext, code: str, name: str, kind: str) -> None:
    with ctx.session() as session:
        row = body_uc.ensure_body(session, code, name, kind)
        out = {"code": row.code, "name": row.name, "kind": row.kind}
    emit(ctx, out, lambda v: f"body {v['code']}: {v['name']} ({v['kind']})")


@bodies.command("list")
@pass_cli
def body_list(ctx: CliContext) -> None:
    with ctx.session() as session:
        rows = [{"code": b.code, "name": b.name, "kind": b.kind, "active": b.active}
                for b in body_uc.list_bodies(session)]
    emit(ctx, rows, lambda rs: "\n".join(f"{r['code']:36} {r['kind']:16} {r['name']}" for r in rs)
         or "no bodies")


@bodies.command("members")
@click.argument("code")
@click.option("--all", "include_past", is_flag=True, help="past memberships too")
@pass_cli
def body_members(ctx: CliContext, code: str, include_past: bool) -> None:
    with ctx.session() as session:
        rows = [{"id": m.id, "member": m.member, "name": m.member_name, "role": m.role,
                 "from": m.valid_from.isoformat(),
                 "until": m.valid_until.isoformat() if m.valid_until else None}
                for m in body_uc.members(session, code, include_past=include_past)]
    emit(ctx, rows, lambda rs: "\n".join(
        f"{r['id']:>5}  {r['role']:14} {r['member']:32} {r['name']}"
        + (f"  until {r['until']}" if r["until"] else "") for r in rs) or "no members")


@bodies.command("add-member")
@click.argument("code")
@click.argument("member")
@click.option("--role", type=click.Choice(body_uc.ROLES), default="member", show_default=True)
@click.option("--from", "valid_from", default=None, help="ISO date (default: now)")
@click.option("--until", "valid_until", default=None, help="ISO date (default: open-ended)")
@pass_cli
def body_add_member(ctx: CliContext, code: str, member: str, role: str, valid_from: str | None,
                    valid_until: str | None) -> None:
    """MEMBER is a username (or user:NAME) or an organisation (org:CODE)."""
    with ctx.session() as session:
        membership = body_uc.add_member(session, code, member, role=role,
                                        valid_from=_moment(valid_from), valid_until=_moment(valid_until))
    emit(ctx, {"membership": membership, "body": code, "member": member, "role": role},
         lambda v: f"{v['member']} is {v['role']} of {v['body']} (membership {v['membership']})")


@bodies.command("end-membership")
@click.argument("membership_id", type=int)
@click.option("--at", default=None, help="ISO date (default: now)")
@pass_cli
def body_end_membership(ctx: CliContext, membership_id: int, at: str | None) -> None:
    with ctx.session() as session:
        body_uc.end_membership(session, membership_id, at=_moment(at))
    emit(ctx, {"membership": membership_id}, lambda v: f"membership {v['membership']} ended")


@cli.command("set-organisation")
@click.argument("username")
@click.argument("organisation", required=False)
@pass_cli
def set_organisation(ctx: CliContext, username: str, organisation: str | None) -> None:
    """Make USERNAME one of ORGANISATION's people (none when omitted)."""
    with ctx.session() as session:
        body_uc.set_organisation(session, username, organisation)
    emit(ctx, {"username": username, "organisation": organisation},
         lambda v: f"{v['username']} belongs to {v['organisation'] or 'no organisation'}")
