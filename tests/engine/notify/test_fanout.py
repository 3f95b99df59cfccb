"""From what happens in a case to what each person is told, as their preferences and the access
policy say (engine.notify.fanout, engine.notify.triggers, engine.notify.projector)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from engine.background import jobs
from engine.collab.comments import add_comment
from engine.definitions.deployment import deploy
from engine.definitions.validation import UploadedFile
from engine.documents.service import upload_for_task
from engine.notify.fanout import fan_out
from engine.notify.preferences import set_preferences
from engine.notify.texts import render
from engine.runtime.case_status import suspend_case
from engine.runtime.tasks import claim_task, complete_task
from engine.store.models import Job, JobKind, JobStatus, Notification, NotificationEvent, User
from tests.engine.notify.conftest import Paper
from tests.smtp import html_of, text_of


def test_a_new_task_tells_its_candidates_by_app_and_mail_not_who_caused_it(paper: Paper) -> None:
    case_id = paper.start()
    assert paper.told("ana") == []  # she started it: her own draft is not news to her
    paper.write(case_id)
    review = paper.open_task(case_id, "review")
    for reviewer in ("rui", "rita"):
        assert paper.told(reviewer) == [("task_offered", True, "immediately")]
        [subject] = paper.mails(reviewer)
        assert subject == "New task: Review the paper (On tides)"
    assert paper.told("ana") == [] and paper.told("otto") == [] and paper.told("sec") == []
    [mail] = paper.smtp.to("rita@example.org")
    assert f"https://alliance.example/tasks/{review.id}" in text_of(mail)
    assert f'href="https://alliance.example/tasks/{review.id}"' in html_of(mail)
    assert mail["Message-ID"].endswith("@alliance.example>")
    assert mail["From"].endswith("<noreply@alliance.example>")


def test_each_person_gets_what_their_preferences_ask_for(paper: Paper) -> None:
    set_preferences(paper.session, paper.who("rita"), {"task_offered": (True, "never")})
    set_preferences(paper.session, paper.who("rui"), {"task_offered": (False, "immediately")})
    case_id = paper.start()
    paper.write(case_id)
    assert paper.told("rita") == [("task_offered", True, "never")] and paper.mails("rita") == []
    assert paper.told("rui") == [("task_offered", False, "immediately")] and len(paper.mails("rui")) == 1


def test_nobody_is_told_of_a_task_they_may_no_longer_see(paper: Paper) -> None:
    """Rui takes the task before the worker runs: Rita may not see it any more, so she is not told."""
    case_id = paper.start()
    task = paper.open_task(case_id, "write")
    doc = upload_for_task(paper.session, paper.who("ana"), task.id, name="p.txt", data=b"x")
    complete_task(paper.session, task.id, user=paper.who("ana"),
                  data={"title": "T", "summary": "S", "paper": [doc.reference()]})
    paper.session.commit()
    claim_task(paper.session, paper.open_task(case_id, "review").id, user=paper.who("rui"))
    paper.work()
    assert paper.told("rita") == []
    assert paper.told("rui") == [("task_offered", True, "immediately")]


def test_fanning_out_again_tells_nobody_twice(paper: Paper) -> None:
    case_id = paper.start()
    paper.write(case_id)
    event_id = paper.session.scalar(select(NotificationEvent.id)
                                    .where(NotificationEvent.kind == "task_offered"))
    assert event_id is not None
    assert fan_out(paper.session, event_id, paper.settings) == 0
    event = paper.session.get(NotificationEvent, event_id)
    assert event is not None
    event.processed_at = None  # even a second run of an unfinished job adds nothing twice
    assert fan_out(paper.session, event_id, paper.settings) == 0
    assert paper.session.scalar(select(func.count(Notification.id))) == 2


def test_a_revision_tells_the_author_her_case_needs_her(paper: Paper) -> None:
    case_id = paper.start()
    paper.write(case_id)
    paper.review(case_id, "revise")
    assert paper.told("ana") == [("case_needs_you", True, "immediately")]
    assert paper.mails("ana") == ["Your case needs you: Write the paper (On tides)"]
    assert paper.told("rui") == [("task_offered", True, "immediately")]  # not told of his own step


def test_a_finished_case_goes_into_the_next_daily_digest(paper: Paper) -> None:
    case_id = paper.start()
    paper.write(case_id)
    paper.review(case_id, "approve")
    assert paper.told("ana") == [("case_finished", True, "daily")]
    assert paper.mails("ana") == []
    paper.clock.advance(timedelta(days=1))
    paper.work()
    assert paper.mails("ana") == ["Alliance Workflow: 1 notification(s) of the day"]
    [digest] = paper.smtp.to("ana@example.org")
    assert "Your case was completed: On tides" in text_of(digest)
    paper.clock.advance(timedelta(days=1))
    paper.work()
    assert len(paper.mails("ana")) == 1  # nothing new: no second digest


def test_due_tomorrow_then_overdue_and_silence_while_suspended(paper: Paper) -> None:
    case_id = paper.start()
    paper.write(case_id)
    paper.clock.advance(timedelta(days=2, hours=1))
    paper.work()
    assert [k for k, _a, _e in paper.told("rui")] == ["task_offered", "task_due_soon"]
    assert "Due tomorrow: Review the paper (On tides)" in paper.mails("rita")
    suspend_case(paper.session, case_id, user=paper.who("sec"), reason="waiting for funds")
    paper.clock.advance(timedelta(days=1))
    paper.work()
    assert [k for k, _a, _e in paper.told("rui")] == ["task_offered", "task_due_soon"]
    job = paper.session.scalar(select(Job).where(Job.kind == JobKind.DEADLINE))
    assert job is not None and job.status == JobStatus.READY  # looks again later


def test_overdue_is_told_once_to_whoever_holds_the_task(paper: Paper) -> None:
    case_id = paper.start()
    paper.write(case_id)
    claim_task(paper.session, paper.open_task(case_id, "review").id, user=paper.who("rita"))
    paper.clock.advance(timedelta(days=2, hours=1))
    paper.work()
    paper.clock.advance(timedelta(days=1))
    paper.work()
    paper.clock.advance(timedelta(days=1))
    paper.work()
    assert [k for k, _a, _e in paper.told("rita")] == ["task_offered", "task_due_soon", "task_overdue"]
    assert [k for k, _a, _e in paper.told("rui")] == ["task_offered"]
    assert paper.session.scalar(select(func.count(Job.id)).where(Job.kind == JobKind.DEADLINE)) == 0


def test_a_bpmn_timer_reminds_the_reviewers(paper: Paper) -> None:
    case_id = paper.start()
    paper.write(case_id)
    paper.clock.advance(timedelta(days=5, minutes=1))
    paper.work()
    paper.work()  # the timer's save made the service job; its run made the reminder
    for reviewer in ("rui", "rita"):
        assert [k for k, _a, _e in paper.told(reviewer)] == ["task_offered", "task_overdue", "reminder"]
        assert "Reminder: The paper waits for a review since 5 days" in paper.mails(reviewer)
    assert "reminder" not in [k for k, _a, _e in paper.told("otto")]


def test_a_mention_tells_people_of_the_case_only(paper: Paper) -> None:
    case_id = paper.start()
    paper.write(case_id)
    view = add_comment(paper.session, paper.who("ana"), case_id,
                       "Thanks @rita! And @otto, @nobody and @ana.")
    paper.work()
    assert view.mentions == ["ana", "otto", "rita"]
    assert [k for k, _a, _e in paper.told("rita")] == ["task_offered", "mention"]
    assert paper.told("otto") == []  # he may not see the case
    assert [k for k, _a, _e in paper.told("ana")] == []  # not told of her own words
    assert paper.mails("rita")[-1] == "Ana mentioned you on On tides"


def test_a_job_out_of_attempts_tells_the_staff_only(paper: Paper) -> None:
    case_id = paper.start()
    job = Job(key="service:test", kind=JobKind.SERVICE, case_id=case_id, due_at=paper.clock.now(),
              status=JobStatus.READY, attempts=1, max_attempts=1, locked_by="w", element_id="write",
              handler="missing", created_at=paper.clock.now())
    paper.session.add(job)
    paper.session.flush()
    assert jobs.record_failure(paper.session, job.id, "w", "no handler 'missing'")
    paper.session.delete(job)  # the failed job would otherwise be found by the worker's test run
    paper.work()
    assert paper.told("sec") == [("incident", True, "immediately")]
    assert paper.mails("sec") == ["Needs attention: On tides"]
    assert paper.told("ana") == [] and paper.told("rui") == []


def test_each_person_is_told_in_the_language_they_chose(paper: Paper) -> None:
    """Rita reads Portuguese: her notification, her mail and the process's own words (from its
    translation file) are in Portuguese, the due date in her zone; Rui's stay English."""
    translation = {"process": "paper_review", "language": "pt", "name": "Revisão de artigo",
                   "elements": {"review": "Revisar o artigo"}}
    deploy(paper.session, [UploadedFile("i18n/paper_review.pt.json",
                                        json.dumps(translation).encode())])
    rita = paper.session.scalars(select(User).where(User.username == "rita")).one()
    rita.language, rita.timezone = "pt", "America/Sao_Paulo"
    case_id = paper.start()
    paper.write(case_id)
    [subject] = paper.mails("rita")
    assert subject == "Nova tarefa: Revisar o artigo (On tides)"
    [mail] = paper.smtp.to("rita@example.org")
    assert "Olá, Rita," in text_of(mail) and "Abrir no Alliance Workflow" in html_of(mail)
    [body] = paper.session.scalars(select(Notification.body).join(User, User.id == Notification.user_id)
                                   .where(User.username == "rita")).all()
    assert body.startswith("“Revisar o artigo” em Revisão de artigo está esperando por você")
    assert paper.mails("rui") == ["New task: Review the paper (On tides)"]


def test_someone_who_chose_no_language_is_told_in_their_browsers(paper: Paper) -> None:
    rita = paper.session.scalars(select(User).where(User.username == "rita")).one()
    rita.language, rita.browser_language = None, "pt"
    case_id = paper.start()
    paper.write(case_id)
    [subject] = paper.mails("rita")
    assert subject.startswith("Nova tarefa: ")
    assert paper.mails("rui")[0].startswith("New task: ")


def test_a_due_date_is_shown_in_the_readers_zone_and_language() -> None:
    text = render("task_due_soon", {"task": "Revisar", "case": "C-1", "due": "2026-03-05T12:00:00+00:00"},
                  timezone="America/Sao_Paulo", language="pt", translate=lambda t: t)
    assert text.body == "“Revisar” is due on 5 de mar. de 2026 09:00 GMT-3."
