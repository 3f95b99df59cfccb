"""A small process with people to tell: `paper_review` (tests/fixtures/bpmn/paper_review.bpmn).

Ana (author) writes a paper and attaches it; the reviewers Rui and Rita review it (due in 3
days; after 5 days a timer reminds them); Sec is the Secretariat; Otto takes no part. Each
has an e-mail address. `Paper` drives the story through the engine's use cases and runs a
worker with mail settings pointing at a real SMTP server (tests/smtp.py).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import engine.access.users
from engine.access.users import Actor, actor, create_user
from engine.background.worker import Worker
from engine.clock import FakeClock
from engine.definitions.deployment import deploy
from engine.documents.service import upload_for_task
from engine.notify.mail import MailSettings
from engine.runtime.cases import start_case
from engine.runtime.tasks import claim_task, complete_task
from engine.store.models import HumanTask, Notification, OutgoingMail, TaskState, User
from tests.conftest import fixture_files
from tests.smtp import SmtpSink, smtp_server

__all__ = ["smtp_server"]

PAPER_FILES = ("paper_review.bpmn", "forms/paper_start.form", "forms/paper_draft.form",
               "forms/paper_review_form.form")
PEOPLE = {"ana": ["authors"], "rui": ["reviewers"], "rita": ["reviewers"], "sec": ["secretariat"],
          "otto": []}
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_hash_once = functools.cache(engine.access.users.hash_password)


@dataclass
class Paper:
    session: Session
    factory: sessionmaker[Any]
    clock: FakeClock
    settings: MailSettings | None
    smtp: SmtpSink

    def who(self, name: str) -> Actor:
        return actor(self.session, name)

    def work(self) -> None:
        """Commit, then run every job due now (with the mail settings), then read afresh."""
        self.session.commit()
        Worker(self.factory, worker_id="test-worker", mail=self.settings).run_once()
        self.session.expire_all()

    def start(self, title: str = "On tides") -> int:
        case = start_case(self.session, "paper_review", user=self.who("ana"), data={"title": title})
        self.work()
        return case.id

    def open_task(self, case_id: int, element_id: str) -> HumanTask:
        self.session.expire_all()
        return self.session.scalars(select(HumanTask).where(
            HumanTask.case_id == case_id, HumanTask.element_id == element_id,
            HumanTask.state == TaskState.OPEN)).one()

    def write(self, case_id: int, text: bytes = b"A paper about tides.\n", name: str = "tides.txt") -> None:
        task = self.open_task(case_id, "write")
        doc = upload_for_task(self.session, self.who("ana"), task.id, name=name, data=text)
        complete_task(self.session, task.id, user=self.who("ana"), data={
            "title": "On tides", "summary": "Tides and the moon.", "paper": [doc.reference()]})
        self.work()

    def review(self, case_id: int, decision: str, reviewer: str = "rui") -> None:
        task = self.open_task(case_id, "review")
        claim_task(self.session, task.id, user=self.who(reviewer))
        complete_task(self.session, task.id, user=self.who(reviewer), data={"decision": decision})
        self.work()

    def told(self, name: str) -> list[tuple[str, bool, str]]:
        """(kind, in the app, e-mail) of what `name` was told, oldest first."""
        self.session.expire_all()
        rows = self.session.execute(select(Notification.kind, Notification.in_app, Notification.email)
                                    .join(User, User.id == Notification.user_id)
                                    .where(User.username == name).order_by(Notification.id)).all()
        return [(k, bool(a), e) for k, a, e in rows]

    def mails(self, name: str) -> list[str]:
        """Subjects of the mails the SMTP server received for `name`."""
        return [str(m["Subject"]).strip() for m in self.smtp.to(f"{name}@example.org")]

    def outgoing(self) -> list[OutgoingMail]:
        self.session.expire_all()
        return list(self.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all())


@pytest.fixture
def paper(session: Session, session_factory: sessionmaker[Any], fake_clock: FakeClock,
          smtp_server: SmtpSink, monkeypatch: pytest.MonkeyPatch) -> Iterator[Paper]:
    fake_clock.set(START)
    monkeypatch.setattr(engine.access.users, "hash_password", _hash_once)
    for name, groups in PEOPLE.items():
        create_user(session, name, groups=groups, password="secret-pw", display_name=name.title(),
                    email=f"{name}@example.org")
    deploy(session, fixture_files(*PAPER_FILES))
    session.commit()
    settings = MailSettings(smtp_url=smtp_server.url, sender="Alliance Workflow <noreply@alliance.example>",
                            base_url="https://alliance.example", timeout=10)
    yield Paper(session, session_factory, fake_clock, settings, smtp_server)
