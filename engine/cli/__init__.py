"""The `alliance` command line: one session per command, committed on success."""

from __future__ import annotations

from engine.cli import bodies, cases, commands, ops, tasks, tokens, users, worker  # noqa: F401  (register)
from engine.cli.app import cli, load_plugins


def main() -> None:
    load_plugins()
    cli(prog_name="alliance")


__all__ = ["cli", "main"]
