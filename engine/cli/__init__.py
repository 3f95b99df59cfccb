"""The `alliance` command line: one session per command, committed on success."""

from __future__ import annotations

from engine.cli.app import cli, main

__all__ = ["cli", "main"]
