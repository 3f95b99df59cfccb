"""API token commands: create (printed once), list, revoke."""

from __future__ import annotations

import click

from engine.access import tokens as token_uc
from engine.cli.app import CliContext, cli, emit, pass_cli


@cli.group()
def tokens() -> None:
    """Manage REST API tokens (stored hashed; a new token is printed once)."""


@tokens.command("create")
@click.argument("user")
@click.option("--name", default=None, help="what the token is for (default: 'API token')")
@pass_cli
def create(ctx: CliContext, user: str, name: str | None) -> None:
    with ctx.session() as session:
        new = token_uc.create_token(session, user, name=name)
        out = {"id": new.token.id, "username": new.token.username, "name": new.token.name,
               "token": new.secret}
    emit(ctx, out, lambda v: f"token {v['id']} ({v['name']}) for {v['username']}:\n{v['token']}\n"
         "Keep it secret: it is shown only now.")


@tokens.command("list")
@click.argument("user")
@pass_cli
def list_(ctx: CliContext, user: str) -> None:
    with ctx.session() as session:
        rows = [{"id": t.id, "name": t.name, "created_at": t.created_at.isoformat(),
                 "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                 "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None}
                for t in token_uc.list_tokens(session, user)]
    emit(ctx, rows, lambda rs: "\n".join(
        f"{r['id']:>5}  {r['name']:30} {'revoked' if r['revoked_at'] else 'active':8} "
        f"last used {r['last_used_at'] or 'never'}" for r in rs) or "no tokens")


@tokens.command("revoke")
@click.argument("token_id", type=int)
@pass_cli
def revoke(ctx: CliContext, token_id: int) -> None:
    with ctx.session() as session:
        view = token_uc.revoke_token(session, token_id)
        out = {"id": view.id, "username": view.username, "name": view.name,
               "revoked_at": view.revoked_at.isoformat() if view.revoked_at else None}
    emit(ctx, out, lambda v: f"token {v['id']} ({v['name']}) of {v['username']} revoked")
