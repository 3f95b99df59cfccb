"""`alliance members`: the Alliance's member cities and institutions with their committee seats,
and the cases that admitted, seated, unseated or withdrew them (read only)."""

from __future__ import annotations

from typing import Any

from engine.cli.app import CliContext, cli, emit, pass_cli
from processes.registry_membership import alliance_members


@cli.command()
@pass_cli
def members(ctx: CliContext) -> None:
    """List the Alliance's members and their committee seats, each with its cases."""
    with ctx.session() as session:
        rows = alliance_members(session)
    out = {"members": [{
        "name": m.name, "kind": m.kind, "country": m.country, "status": m.status,
        "since": m.since.isoformat(), "until": m.until.isoformat() if m.until else None, "cases": m.case_ids,
        "seats": [{"committee": s.committee, "status": s.status, "since": s.since.isoformat(),
                   "until": s.until.isoformat() if s.until else None,
                   "cases": [i for i in (s.case_id, s.ended_by_case_id) if i is not None]} for s in m.seats],
    } for m in rows]}
    emit(ctx, out, _text)


def _text(out: dict[str, Any]) -> str:
    lines = []
    for m in out["members"]:
        cases = f"  cases {', '.join(map(str, m['cases']))}" if m["cases"] else ""
        lines.append(f"{m['name']} ({m['kind']}, {m['country'] or '-'}): {m['status']} since {m['since']}"
                     + (f" until {m['until']}" if m["until"] else "") + cases)
        for s in m["seats"]:
            seat_cases = f"  cases {', '.join(map(str, s['cases']))}" if s["cases"] else ""
            lines.append(f"  {s['committee']}: {s['status']} since {s['since']}"
                         + (f" until {s['until']}" if s["until"] else "") + seat_cases)
    return "\n".join(lines) or "no members"
