"""`alliance seed`: the Alliance's registry, and with --demo the demo users.

Loaded into the `alliance` command by the engine's plugin list
($ALLIANCE_CLI_PLUGINS, default "processes.cli").
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from sqlalchemy import select

from engine.access.users import create_user
from engine.cli.app import CliContext, cli, emit, pass_cli
from engine.definitions.deployment import deploy, files_from_paths
from engine.store.models import User
from processes import (
    cli_membership,  # noqa: F401  (`alliance members`)
    registry_cli,  # noqa: F401  (`alliance registry`)
)
from processes.demo import DEMO_USERS, seed_demo
from processes.registry import seed_registry


@cli.command()
@click.option("--demo", is_flag=True, help="also create the demo users (never in production)")
@click.option("--processes", "with_processes", is_flag=True,
              help="first deploy the Alliance's BPMN files shipped in this package")
@pass_cli
def seed(ctx: CliContext, demo: bool, with_processes: bool) -> None:
    """Seed the registry (committees, Business Council); idempotent."""
    if demo and os.environ.get("ALLIANCE_ENV", "development") == "production":
        raise click.UsageError("demo users are never created in production (ALLIANCE_ENV=production)")
    with ctx.session() as session:
        deployed = []
        if with_processes:
            deployed = [f"{r.process_id} v{r.version}" for r in deploy(
                session, files_from_paths([Path(__file__).parent]),
                comment="the Alliance's processes shipped in the package")]
        added = seed_registry(session)
        created: list[str] = []
        if demo:
            existing = set(session.scalars(select(User.username)))
            created = seed_demo(session, create_user, existing=existing)
    out = {"processes": deployed, "registry_rows_added": added, "demo_users_created": created,
           "demo_logins": [{"username": u["username"], "password": u["password"],
                            "groups": u["groups"]} for u in DEMO_USERS] if demo else []}
    emit(ctx, out, _text)


def _text(out: dict[str, object]) -> str:
    deployed = out["processes"]
    lines = [f"deployed: {', '.join(map(str, deployed))}"] if isinstance(deployed, list) and deployed else []
    lines.append(f"registry: {out['registry_rows_added']} rows added")
    logins = out["demo_logins"]
    if isinstance(logins, list) and logins:
        lines.append("demo logins (demo data only; never use in production):")
        lines += [f"  {u['username']:22} {u['password']:30} {', '.join(u['groups'])}" for u in logins]
    return "\n".join(lines)
