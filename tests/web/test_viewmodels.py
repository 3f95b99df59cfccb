"""What the pages print for engine values: history labels in the reader's language."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_translations

from web.viewmodels import event_label


def test_a_history_event_reads_in_the_readers_language(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "pt"}):
        assert event_label("task_completed", "Rever") == "concluiu “Rever”"
        assert event_label("case_started", "") == get_translations().gettext("started the case")
        assert event_label("case_started", "") != "started the case"
        assert event_label("task_completed", "Rever", get_translations()) == "concluiu “Rever”"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert event_label("timer_fired", "Wait") == "the time of “Wait” came"
        assert event_label("something_new", "X") == "something_new"
