"""What telling people costs: the case's save with and without the notification projector, the
fan-out of one event to a group of 50, and mails sent to a local SMTP server (aiosmtpd).

    python -m bench.bench_notify        # SQLite in a temporary folder; prints figures only
"""

from __future__ import annotations

import socket
import tempfile
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import delete, func, select
from sqlalchemy.orm import sessionmaker

import engine.store.models  # noqa: F401
from bench.common import timed
from engine.access.users import actor, create_user
from engine.background.worker import Worker
from engine.bootstrap import build_runtime, session_factory
from engine.definitions.deployment import deploy, files_from_paths
from engine.documents.service import upload_for_task
from engine.notify.fanout import fan_out_job
from engine.notify.mail import MailSettings
from engine.notify.projector import project_notifications
from engine.runtime.cases import start_case
from engine.runtime.tasks import complete_task
from engine.store.db import Base, make_engine
from engine.store.models import HumanTask, Job, JobKind, OutgoingMail, TaskState

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "bpmn"
FILES = [FIXTURES / "paper_review.bpmn", *(FIXTURES / "forms" / f"{n}.form"
                                           for n in ("paper_start", "paper_draft", "paper_review_form"))]
REVIEWERS = 50
REPEAT = 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def world(folder: Path, *, notify: bool) -> sessionmaker[Any]:
    db = make_engine(f"sqlite:///{folder / ('with.db' if notify else 'without.db')}")
    Base.metadata.create_all(db)
    runtime = build_runtime()
    if not notify:
        runtime.projectors = tuple(p for p in runtime.projectors if p is not project_notifications)
    factory = session_factory(db, runtime)
    with factory() as session:
        create_user(session, "ana", groups=["authors"], password="bench-password", email="ana@example.org")
        for i in range(REVIEWERS):
            create_user(session, f"r{i}", groups=["reviewers"], password="bench-password",
                        email=f"r{i}@example.org")
        deploy(session, files_from_paths(FILES))
        session.commit()
    return factory


def complete_write(factory: sessionmaker[Any]) -> None:
    with factory() as session:
        ana = actor(session, "ana")
        case = start_case(session, "paper_review", user=ana, data={"title": "T"})
        session.commit()
        task = session.scalars(select(HumanTask.id).where(HumanTask.case_id == case.id,
                                                          HumanTask.state == TaskState.OPEN)).one()
        doc = upload_for_task(session, ana, task, name="p.txt", data=b"paper")
        complete_task(session, task, user=ana,
                      data={"title": "T", "summary": "S", "paper": [doc.reference()]})
        session.commit()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench_notify_") as tmp:
        folder = Path(tmp)
        with_notify, without = world(folder, notify=True), world(folder, notify=False)
        on = timed(lambda: complete_write(with_notify), REPEAT)
        off = timed(lambda: complete_write(without), REPEAT)
        print(f"start + upload + complete (opens a task for {REVIEWERS} reviewers), SQLite, ms:")
        print(f"  with the notification projector    median {on[0]:6.2f}  p95 {on[1]:6.2f}")
        print(f"  without it                          median {off[0]:6.2f}  p95 {off[1]:6.2f}")

        with with_notify() as session:
            events = [p or {} for p in session.scalars(select(Job.payload)
                                                        .where(Job.kind == JobKind.NOTIFY)).all()]
        handler = type("Sink", (), {"count": 0})()

        async def handle_DATA(server: Any, session: Any, envelope: Any) -> str:
            handler.count += 1
            return "250 OK"
        handler.handle_DATA = handle_DATA  # type: ignore[attr-defined]
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        settings = MailSettings(smtp_url=f"smtp://127.0.0.1:{controller.port}",
                                sender="Bench <bench@example.org>", timeout=10)
        started = time.perf_counter()
        with with_notify() as session:
            told = sum(fan_out_job(session, payload, settings) for payload in events)
            session.commit()
        spent = time.perf_counter() - started
        print(f"fan-out: {len(events)} events, {told} notifications and mails written in {spent:.2f} s "
              f"({told / spent:.0f} people/s)")
        with with_notify() as session:
            session.execute(delete(Job).where(Job.kind == JobKind.NOTIFY))
            session.commit()
            mails = session.scalar(select(func.count(OutgoingMail.id))) or 0
        started = time.perf_counter()
        Worker(with_notify, worker_id="bench", mail=settings, concurrency=4).run_once()
        spent = time.perf_counter() - started
        controller.stop()
        print(f"mail: {handler.count} of {mails} sent by one worker (4 threads) in {spent:.2f} s "
              f"({handler.count / spent:.0f} mails/s, one SMTP connection per mail)")


if __name__ == "__main__":
    main()
