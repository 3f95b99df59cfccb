"""The outbox (engine.notify.events): a step queues a `notify:<event key>` job carrying its
event; the worker writes the event row, then tells people; a key is emitted once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event, func, select

from engine.documents.service import upload_for_task
from engine.notify.events import emit
from engine.runtime.tasks import complete_task
from engine.store.models import Job, JobKind, JobStatus, Notification, NotificationEvent
from tests.engine.notify.conftest import Paper


def _events(paper: Paper, **where: Any) -> list[NotificationEvent]:
    paper.session.expire_all()
    query = select(NotificationEvent).filter_by(**where).order_by(NotificationEvent.id)
    return list(paper.session.scalars(query).all())


def _notify_jobs(paper: Paper) -> list[Job]:
    return list(paper.session.scalars(select(Job).where(Job.kind == JobKind.NOTIFY)).all())


def test_a_step_queues_the_event_in_its_job_and_the_worker_writes_it(paper: Paper) -> None:
    case_id = paper.start()
    write = paper.open_task(case_id, "write")
    doc = upload_for_task(paper.session, paper.who("ana"), write.id, name="p.txt", data=b"x")
    complete_task(paper.session, write.id, user=paper.who("ana"),
                  data={"title": "On tides", "summary": "S", "paper": [doc.reference()]})
    paper.session.commit()
    review = paper.open_task(case_id, "review")
    assert _events(paper, kind="task_offered") == []
    [job] = _notify_jobs(paper)
    assert job.key == f"notify:task:{review.id}"
    carried = (job.payload or {})["event"]
    assert {k: carried[k] for k in ("key", "kind", "case_id", "task_id", "recipients", "actor")} == {
        "key": f"task:{review.id}", "kind": "task_offered", "case_id": case_id, "task_id": review.id,
        "recipients": ["group:reviewers"], "actor": "ana"}
    assert carried["params"]["task"] == "Review the paper"
    assert datetime.fromisoformat(carried["created_at"]) == paper.clock.now()

    paper.work()
    [written] = _events(paper, kind="task_offered")
    assert (written.key, written.case_id, written.task_id) == (f"task:{review.id}", case_id, review.id)
    assert written.recipients == ["group:reviewers"] and written.actor == "ana"
    assert written.processed_at is not None and _notify_jobs(paper) == []
    told = paper.session.scalars(select(Notification.event_id)).all()
    assert sorted(told) == [written.id, written.id]  # Rui and Rita


def test_a_key_is_emitted_once_while_its_job_waits_and_after_it_ran(paper: Paper) -> None:
    case_id = paper.start()
    paper.write(case_id)  # Rui may see the case once he may review it
    remind: dict[str, Any] = {"case_id": case_id, "params": {"subject": "S", "text": "T", "case": "C"}}
    assert emit(paper.session, "reminder", "reminder:x", ["user:rui"], **remind) == "reminder:x"
    paper.session.flush()
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    bind = paper.session.get_bind()
    event.listen(bind, "before_cursor_execute", count)
    try:
        assert emit(paper.session, "reminder", "reminder:x", ["user:rui"], **remind) is None
    finally:
        event.remove(bind, "before_cursor_execute", count)
    assert len(seen) == 1  # one look-up for both the waiting job and the written event
    assert [j.key for j in _notify_jobs(paper)] == ["notify:reminder:x"]

    paper.work()
    assert _notify_jobs(paper) == [] and len(_events(paper, key="reminder:x")) == 1
    assert emit(paper.session, "reminder", "reminder:x", ["user:rui"], **remind) is None
    paper.work()
    assert _notify_jobs(paper) == [] and len(_events(paper, key="reminder:x")) == 1
    assert [k for k, _a, _e in paper.told("rui")] == ["task_offered", "reminder"]


def test_a_long_key_is_cut_so_that_its_job_key_fits(paper: Paper) -> None:
    case_id = paper.start()
    key = emit(paper.session, "reminder", "reminder:" + "k" * 400, ["user:rui"], case_id=case_id,
               params={"subject": "S", "text": "T", "case": "C"})
    assert key is not None and len(key) + len("notify:") == 300
    paper.work()
    assert [e.key for e in _events(paper, kind="reminder")] == [key]


def test_a_job_queued_by_the_older_version_still_tells_people(paper: Paper) -> None:
    """Older versions wrote the event with its job, which carried only the event's id."""
    case_id = paper.start()
    paper.write(case_id)
    now = paper.clock.now()
    old = NotificationEvent(key="reminder:old", kind="reminder", case_id=case_id, task_id=None,
                            recipients=["user:rui"], actor=None, created_at=now,
                            params={"subject": "Old news", "text": "T", "case": "C"})
    paper.session.add(old)
    paper.session.flush()
    paper.session.add(Job(key=f"notify:{old.id}", kind=JobKind.NOTIFY, status=JobStatus.READY,
                          due_at=now, attempts=0, max_attempts=5, created_at=now,
                          payload={"event_id": old.id}))
    paper.work()
    assert [k for k, _a, _e in paper.told("rui")] == ["task_offered", "reminder"]
    assert _notify_jobs(paper) == [] and _events(paper, key="reminder:old")[0].processed_at is not None


def test_the_job_of_a_case_that_no_longer_exists_tells_nobody(paper: Paper) -> None:
    """No event row is written for it (the row would name a missing case)."""
    paper.start()
    emit(paper.session, "reminder", "reminder:gone", ["user:rui"], case_id=999_999,
         params={"subject": "S", "text": "T", "case": "C"})
    paper.work()
    assert _notify_jobs(paper) == [] and _events(paper) == []
    assert paper.session.scalar(select(func.count(Notification.id))) == 0
