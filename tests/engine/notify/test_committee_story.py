"""The committee story, told to its people: every person involved receives exactly the e-mails
and app notifications their preferences ask for, through a real SMTP server.

Quanzhou proposes a committee; the Iran Chamber and the Bavaria forum endorse its terms of
reference (the Iran Chamber asks @quanzhou something in a comment); the Secretariat's review
waits past its due date, its 30-day timer reminds the Secretariat, Wang asks for a revision,
Quanzhou redrafts, the partners endorse again, Wang approves, Quanzhou names the Project Board
representatives and the case is completed.

Preferences: Ana Silva wants no mail about offered tasks; Wang wants them in the daily digest;
the Bavaria forum wants tasks given to it by mail only (not in the app); Quanzhou wants to hear
at once when its case is finished. Everyone else keeps the defaults.
"""

from __future__ import annotations

import functools
from collections import Counter

import pytest
from sqlalchemy import select

import tests.processes.scenario_helpers as scenario
from engine.background.worker import Worker
from engine.collab.comments import add_comment
from engine.notify.mail import MailSettings
from engine.notify.preferences import set_preferences
from engine.store.models import Notification, User
from processes.demo import DEMO_MAIL_DOMAIN
from tests.processes.scenario_helpers import World, handler_registry, world
from tests.processes.test_scenario_committee import (
    all_partners_endorse,
    name_representatives,
    secretariat_reviews,
    tor,
)
from tests.smtp import SmtpSink, smtp_server, text_of

__all__ = ["handler_registry", "smtp_server", "world"]


@pytest.fixture
def told(world: World, smtp_server: SmtpSink, monkeypatch: pytest.MonkeyPatch) -> World:
    """The scenario's worker sends mail to the test's SMTP server."""
    settings = MailSettings(smtp_url=smtp_server.url, sender="Alliance Workflow <noreply@alliance.example>",
                            base_url="https://alliance.example", timeout=10)
    monkeypatch.setattr(scenario, "Worker", functools.partial(Worker, mail=settings))
    return world


def app_notifications(world: World) -> dict[str, list[str]]:
    world.session.expire_all()
    rows = world.session.execute(select(User.username, Notification.kind)
                                 .join(User, User.id == Notification.user_id)
                                 .where(Notification.in_app.is_(True)).order_by(Notification.id)).all()
    out: dict[str, list[str]] = {}
    for username, kind in rows:
        out.setdefault(username, []).append(kind)
    return out


def mails(smtp: SmtpSink) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    for message in smtp.messages:
        name = str(message["To"]).partition("@")[0]
        out.setdefault(name, Counter())[str(message["Subject"]).strip()] += 1
    return out


def test_every_person_is_told_as_they_asked(told: World, smtp_server: SmtpSink) -> None:
    world = told
    set_preferences(world.session, world.as_user("sec_silva"), {"task_offered": (True, "never")})
    set_preferences(world.session, world.as_user("sec_wang"), {"task_offered": (True, "daily")})
    set_preferences(world.session, world.as_user("bavaria_forum"), {"task_assigned": (False, "immediately")})
    set_preferences(world.session, world.as_user("quanzhou"), {"case_finished": (True, "immediately")})
    world.session.commit()
    name = "Maritime Heritage and Ocean Economy"

    case = world.start("quanzhou", "committee_establishment")
    world.complete("quanzhou", case.id, "draft_tor", tor())
    add_comment(world.session, world.as_user("iran_chamber"), case.id,
                "@quanzhou could the scope name the **Quanzhou Maritime Museum**?")
    world.run_worker()
    all_partners_endorse(world, case.id)
    world.advance(days=29, hours=1)     # the review is due tomorrow; Wang's digest went out
    world.advance(days=2)               # overdue; its 30-day timer reminds the Secretariat
    secretariat_reviews(world, case.id, "revise", "Add the museum.")
    world.complete("quanzhou", case.id, "draft_tor",
                   tor(scope="Heritage sites and the Quanzhou Maritime Museum."))
    all_partners_endorse(world, case.id)
    secretariat_reviews(world, case.id, "approve")
    name_representatives(world, case.id, "Quanzhou", "Chongqing")
    assert world.case(case.id).status == "completed"
    world.advance(days=1)               # Wang's second digest

    assert app_notifications(world) == {
        "quanzhou": ["mention", "case_needs_you", "case_needs_you", "case_finished"],
        "iran_chamber": ["task_assigned", "task_assigned"],
        # bavaria_forum: its tasks by mail only
        "sec_wang": ["task_offered", "task_due_soon", "task_overdue", "reminder", "task_offered"],
        "sec_silva": ["task_offered", "task_due_soon", "task_overdue", "reminder", "task_offered"],
    }
    subject = f"({name})"
    digest = "Alliance Workflow: 1 notification(s) of the day"
    assert mails(smtp_server) == {
        "quanzhou": Counter({f"Iran Chamber of Commerce mentioned you on {name}": 1,
                             f"Your case needs you: Draft terms of reference {subject}": 1,
                             f"Your case needs you: Name Project Board representatives {subject}": 1,
                             f"Your case was completed: {name}": 1}),
        "iran_chamber": Counter({f"A task was given to you: Endorse terms of reference {subject}": 2}),
        "bavaria_forum": Counter({f"A task was given to you: Endorse terms of reference {subject}": 2}),
        "sec_wang": Counter({digest: 2, f"Due tomorrow: Review terms of reference {subject}": 1,
                             f"Overdue: Review terms of reference {subject}": 1,
                             f"Reminder: Reminder: {name} is waiting for your review": 1}),
        "sec_silva": Counter({f"Due tomorrow: Review terms of reference {subject}": 1,
                              f"Overdue: Review terms of reference {subject}": 1,
                              f"Reminder: Reminder: {name} is waiting for your review": 1}),
    }
    for message in smtp_server.messages:
        assert str(message["To"]).endswith(f"@{DEMO_MAIL_DOMAIN}")
        assert "https://alliance.example/" in text_of(message)
    wang_digests = [m for m in smtp_server.to(f"sec_wang@{DEMO_MAIL_DOMAIN}")
                    if m["Subject"].strip() == digest]
    assert all(f"New task: Review terms of reference {subject}" in text_of(m) for m in wang_digests)
    assert len({m["Message-ID"] for m in smtp_server.messages}) == len(smtp_server.messages)
    world.advance(days=1)
    assert sum(mails(smtp_server)["sec_wang"].values()) == 5  # nothing new, nothing again
