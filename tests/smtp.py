"""A real SMTP server (aiosmtpd) for tests: it keeps every message it accepts.

    def test_x(smtp_server): ... smtp_server.url ... smtp_server.messages ...

`hold_rcpt` / `hold_data` make it stop answering at RCPT TO, or after it kept a message and
before it says so, until released: the moments where a test kills a sending worker.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Recorder:
    """The aiosmtpd handler: records accepted messages; can hold the dialogue at two points."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.hold_rcpt: threading.Event | None = None
        self.hold_data: threading.Event | None = None
        self.reached = threading.Event()
        """Set when a held dialogue reached its hold point."""
        self.rcpt_reply = "250 OK"

    async def _wait(self, gate: threading.Event) -> None:
        self.reached.set()
        await asyncio.get_running_loop().run_in_executor(None, gate.wait, 30)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if self.hold_rcpt is not None:
            await self._wait(self.hold_rcpt)
        if not self.rcpt_reply.startswith("250"):
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Keep the message, then answer (held: a server that took the message but whose answer
        is late, the moment a sender cannot tell whether it was taken)."""
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(parsed)
        if self.hold_data is not None:
            await self._wait(self.hold_data)
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self) -> None:
        self.recorder = Recorder()
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.url = f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        with self.recorder.lock:
            return list(self.recorder.messages)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def clear(self) -> None:
        with self.recorder.lock:
            self.recorder.messages.clear()


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.controller.start()
    try:
        yield sink
    finally:
        for gate in (sink.recorder.hold_rcpt, sink.recorder.hold_data):
            if gate is not None:
                gate.set()
        sink.controller.stop()


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    return part.get_content() if part is not None else ""


__all__ = ["SmtpSink", "free_port", "html_of", "smtp_server", "text_of"]
