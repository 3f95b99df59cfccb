"""Sending each mail once (engine.notify.delivery): a real SMTP server receives them; a worker
killed in the middle of the SMTP dialogue sends nothing twice and loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from engine.access.users import create_user
from engine.background.worker import Worker
from engine.notify.delivery import UNCONFIRMED, MailStatus
from engine.notify.fanout import mail_for
from engine.notify.mail import Item, MailSettings
from engine.store.models import Incident, Job, OutgoingMail
from tests.smtp import SmtpSink, html_of, smtp_server, text_of

__all__ = ["smtp_server"]
REPO = Path(__file__).resolve().parents[3]
LEASE_SECONDS = 2


def settings_for(sink: SmtpSink) -> MailSettings:
    return MailSettings(smtp_url=sink.url, sender="Alliance Workflow <noreply@alliance.example>",
                        base_url="https://alliance.example", timeout=10)


def one_mail(session: Session, settings: MailSettings, key: str = "1") -> int:
    user = create_user(session, f"ana{key}", password="secret-pw", display_name="Ana Lima",
                       email=f"ana{key}@example.org")
    mail = mail_for(session, user, message_id=f"<test-{key}@alliance.example>", settings=settings,
                    items=[Item("New task: Review the paper (On tides)", "“Review the paper” is yours.",
                                "/tasks/7")])
    session.commit()
    return mail.id


def mail_row(factory: sessionmaker[Any], mail_id: int) -> OutgoingMail:
    with factory() as session:
        row = session.get(OutgoingMail, mail_id)
        assert row is not None
        session.expunge(row)
        return row


def received(sink: SmtpSink, message_id: str) -> int:
    return sum(1 for m in sink.messages if m["Message-ID"] == message_id)


def test_a_mail_is_sent_with_text_and_html_and_its_job_ends(session: Session,
                                                           session_factory: sessionmaker[Any],
                                                           smtp_server: SmtpSink) -> None:
    settings = settings_for(smtp_server)
    mail_id = one_mail(session, settings)
    Worker(session_factory, mail=settings).run_once()
    [message] = smtp_server.messages
    assert message["Subject"] == "New task: Review the paper (On tides)"
    assert message["To"] == "ana1@example.org"
    assert "Hello Ana Lima," in text_of(message) and "https://alliance.example/tasks/7" in text_of(message)
    assert '<a href="https://alliance.example/tasks/7"' in html_of(message)
    row = mail_row(session_factory, mail_id)
    assert row.status == MailStatus.SENT and row.attempts == 1 and row.sent_at is not None
    assert session.scalar(select(Job).where(Job.key == f"mail:{mail_id}")) is None


def test_a_refused_address_fails_without_retry(session: Session, session_factory: sessionmaker[Any],
                                               smtp_server: SmtpSink) -> None:
    settings = settings_for(smtp_server)
    smtp_server.recorder.rcpt_reply = "550 5.1.1 no such user"
    mail_id = one_mail(session, settings)
    Worker(session_factory, mail=settings).run_once()
    row = mail_row(session_factory, mail_id)
    assert row.status == MailStatus.FAILED and "550" in (row.last_error or "")
    assert smtp_server.messages == []
    session.expire_all()
    assert session.scalar(select(Job).where(Job.key == f"mail:{mail_id}")) is None


def test_a_server_that_is_down_is_tried_again_later(session: Session, session_factory: sessionmaker[Any],
                                                    smtp_server: SmtpSink, fake_clock: Any) -> None:
    settings = settings_for(smtp_server)
    down = MailSettings(smtp_url="smtp://127.0.0.1:9", sender=settings.sender, timeout=2)
    mail_id = one_mail(session, settings)
    Worker(session_factory, mail=down).run_once()
    assert mail_row(session_factory, mail_id).status == MailStatus.PENDING
    fake_clock.advance(timedelta(minutes=1))
    Worker(session_factory, mail=settings).run_once()
    assert mail_row(session_factory, mail_id).status == MailStatus.SENT
    assert received(smtp_server, "<test-1@alliance.example>") == 1
    session.expire_all()
    assert session.scalars(select(Incident)).all() == []


def _spawn_worker(db_engine: Engine, sink: SmtpSink, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": db_engine.url.render_as_string(hide_password=False),
           "SMTP_URL": sink.url, "MAIL_FROM": "Alliance Workflow <noreply@alliance.example>",
           "BASE_URL": "https://alliance.example"}
    log = (tmp_path / "worker.log").open("wb")
    return subprocess.Popen([sys.executable, "-c", "from engine.cli import main; main()", "worker", "--once",
                             "--lease", str(LEASE_SECONDS)], cwd=REPO, env=env, stdout=log,
                            stderr=subprocess.STDOUT)


def _kill_when_held(process: subprocess.Popen[bytes], gate: threading.Event, sink: SmtpSink) -> None:
    assert sink.recorder.reached.wait(60), "the worker never reached the SMTP server"
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    gate.set()  # the server goes on with what it has
    time.sleep(0.3)


def _finish_with_another_worker(factory: sessionmaker[Any], settings: MailSettings, mail_id: int) -> None:
    """A second worker takes the job over once the killed worker's lease has run out."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        Worker(factory, worker_id="second", mail=settings).run_once()
        if mail_row(factory, mail_id).status in (MailStatus.SENT, MailStatus.FAILED):
            return
        time.sleep(0.5)
    raise AssertionError("the mail was not taken over after the lease ran out")


def test_a_worker_killed_before_the_end_of_data_sends_the_mail_once(
        session: Session, session_factory: sessionmaker[Any], db_engine: Engine, smtp_server: SmtpSink,
        tmp_path: Path) -> None:
    """Killed while the server holds RCPT TO: nothing was handed over; the next worker sends it."""
    settings = settings_for(smtp_server)
    mail_id = one_mail(session, settings)
    gate = threading.Event()
    smtp_server.recorder.hold_rcpt = gate
    worker = _spawn_worker(db_engine, smtp_server, tmp_path)
    _kill_when_held(worker, gate, smtp_server)
    assert mail_row(session_factory, mail_id).status == MailStatus.PENDING
    assert smtp_server.messages == []
    smtp_server.recorder.hold_rcpt = None
    _finish_with_another_worker(session_factory, settings, mail_id)
    assert received(smtp_server, "<test-1@alliance.example>") == 1
    row = mail_row(session_factory, mail_id)
    assert row.status == MailStatus.SENT and row.last_error is None


def test_a_worker_killed_after_handing_the_message_over_does_not_send_it_again(
        session: Session, session_factory: sessionmaker[Any], db_engine: Engine, smtp_server: SmtpSink,
        tmp_path: Path) -> None:
    """Killed while the server takes the end of the data: the message is the server's; the next
    worker records it as sent and does not send it twice."""
    settings = settings_for(smtp_server)
    mail_id = one_mail(session, settings)
    gate = threading.Event()
    smtp_server.recorder.hold_data = gate
    worker = _spawn_worker(db_engine, smtp_server, tmp_path)
    _kill_when_held(worker, gate, smtp_server)
    assert mail_row(session_factory, mail_id).status == MailStatus.HANDED_OVER
    smtp_server.recorder.hold_data = None
    _finish_with_another_worker(session_factory, settings, mail_id)
    assert received(smtp_server, "<test-1@alliance.example>") == 1
    row = mail_row(session_factory, mail_id)
    assert row.status == MailStatus.SENT and row.last_error == UNCONFIRMED


@pytest.mark.parametrize("mails", [5])
def test_many_workers_send_each_mail_once(session: Session, session_factory: sessionmaker[Any],
                                          smtp_server: SmtpSink, mails: int) -> None:
    settings = settings_for(smtp_server)
    ids = [one_mail(session, settings, str(i)) for i in range(mails)]
    workers = [threading.Thread(target=Worker(session_factory, worker_id=f"w{i}", mail=settings,
                                              concurrency=2).run_once) for i in range(3)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(60)
    for i, mail_id in enumerate(ids):
        assert received(smtp_server, f"<test-{i}@alliance.example>") == 1
        assert mail_row(session_factory, mail_id).status == MailStatus.SENT
