"""Field errors as English templates (engine/forms/messages.py)."""

from __future__ import annotations

import re

from engine.forms import MESSAGES, N_, FieldError
from engine.forms.messages import field_error


def test_the_marker_returns_the_template_untouched() -> None:
    assert N_("Enter text.") == "Enter text."


def test_text_fills_the_placeholders() -> None:
    error = field_error("title", "too_long", n=5, size=7)
    assert error == FieldError("title", "too_long", "Enter at most %(n)d characters (you entered %(size)d).",
                               {"n": 5, "size": 7})
    assert error.text() == "Enter at most 5 characters (you entered 7)."


def test_a_message_from_the_form_is_a_parameter_not_a_template() -> None:
    error = field_error("code", "pattern_custom", message="Use 100% digits")
    assert error.message == "%(message)s"  # what the web layer passes to gettext
    assert error.text() == "Use 100% digits"


def test_every_template_has_only_named_placeholders() -> None:
    for code, template in MESSAGES.items():
        names = re.findall(r"%\((\w+)\)[sd]", template)
        assert template.count("%") == len(names), code
        assert template in ("%(message)s", "%(problem)s") or template.endswith("."), code
