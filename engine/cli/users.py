"""User and group commands."""

from __future__ import annotations

import secrets

import click

from engine.access import users as user_uc
from engine.cli.app import CliContext, cli, emit, pass_cli


@cli.group()
def users() -> None:
    """Manage users and their groups."""


@users.command("add")
@click.argument("name")
@click.option("--group", "groups", multiple=True, help="a group (role); repeat for several")
@click.option("--password", default=None, help="default: a random password, printed once")
@click.option("--display-name", default=None)
@click.option("--email", default=None)
@pass_cli
def add(ctx: CliContext, name: str, groups: tuple[str, ...], password: str | None,
        display_name: str | None, email: str | None) -> None:
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    with ctx.session() as session:
        user = user_uc.create_user(session, name, groups=list(groups), password=password,
                                   display_name=display_name, email=email)
        out = {"username": user.username, "groups": sorted(user.group_names)}
    if generated:
        out["password"] = password
    emit(ctx, out, lambda v: f"user {v['username']} in {', '.join(v['groups']) or 'no group'}"
         + (f"; password: {v['password']}" if "password" in v else ""))


@users.command("list")
@pass_cli
def list_(ctx: CliContext) -> None:
    with ctx.session() as session:
        rows = [{"username": u.username, "display_name": u.display_name, "active": u.active,
                 "groups": sorted(u.group_names)} for u in user_uc.list_users(session)]
    emit(ctx, rows, lambda rs: "\n".join(f"{r['username']:24} {', '.join(r['groups'])}" for r in rs))


@users.command("set-groups")
@click.argument("name")
@click.option("--group", "groups", multiple=True)
@pass_cli
def set_groups(ctx: CliContext, name: str, groups: tuple[str, ...]) -> None:
    with ctx.session() as session:
        user = user_uc.set_groups(session, name, list(groups))
        out = {"username": user.username, "groups": sorted(user.group_names)}
    emit(ctx, out, lambda v: f"user {v['username']} in {', '.join(v['groups'])}")


@users.command("set-password")
@click.argument("name")
@click.password_option()
@pass_cli
def set_password(ctx: CliContext, name: str, password: str) -> None:
    with ctx.session() as session:
        user_uc.set_password(session, name, password)
    emit(ctx, {"username": name}, lambda v: f"password of {v['username']} changed")
