"""Form validation cost (engine.forms.validate): no database, pure CPU.

    python -m bench.bench_forms

Prints the median and p95 time of validating a valid submission of the largest Alliance
form, of a form with a hidden-field condition, of a 200-entry dynamic list (the cap),
and of a 20,000-character text against a pattern, and the time to refuse a catastrophic
pattern (bounded by FormLimits.pattern_timeout).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.common import timed
from engine.forms import FormLimits, validate

FORMS = Path(__file__).resolve().parents[1] / "processes" / "forms"


def _report(name: str, fn: Any, repeat: int) -> None:
    median, p95 = timed(fn, repeat)
    print(f"{name:<64} median {median:8.3f} ms   p95 {p95:8.3f} ms")


def main() -> None:
    tor = json.loads((FORMS / "tor_draft.form").read_text())
    tor_data = {"committee_name": "Tourism Committee", "sector": "business",
                "objectives": "Promote maritime tourism among member cities. " * 10,
                "scope": "Joint promotion, exchanges, training.", "membership": "Member cities.",
                "resource_mobilization_plan": "Seed funding and partner contributions.",
                "partner_institutions": ["iran_chamber", "bavaria_forum"]}
    found = validate(tor, tor_data)
    print(f"tor_draft sample accepted: {found.ok} ({len(found.errors)} errors)")
    _report("tor_draft (largest Alliance form), valid", lambda: validate(tor, tor_data), 2000)

    review = {"components": [
        {"type": "radio", "key": "decision", "id": "d",
         "values": [{"label": "A", "value": "approve"}, {"label": "R", "value": "revise"}]},
        {"type": "textarea", "key": "notes", "id": "n", "validate": {"required": True},
         "conditional": {"hide": '=decision != "revise"'}}]}
    _report("review form with conditional.hide", lambda: validate(review, {"decision": "approve"}), 5000)

    activities = {"components": [{"type": "dynamiclist", "path": "activities", "isRepeating": True,
                                  "id": "l", "components": [
                                      {"type": "textfield", "key": "title", "id": "t",
                                       "validate": {"required": True, "maxLength": 200}},
                                      {"type": "number", "key": "budget", "id": "b", "decimalDigits": 2,
                                       "validate": {"min": 0}},
                                      {"type": "checkbox", "key": "funded", "id": "f"},
                                      {"type": "textfield", "key": "why", "id": "w",
                                       "conditional": {"hide": "=this.funded"}}]}]}
    entries = {"activities": [{"title": f"Activity {n}", "budget": n * 10.5, "funded": n % 2 == 0}
                              for n in range(200)]}
    _report("dynamic list, 200 entries x 4 fields", lambda: validate(activities, entries), 100)

    long_text = {"components": [{"type": "textarea", "key": "t", "id": "t",
                                 "validate": {"pattern": r"^[\w\s.,;:!?'-]+$"}}]}
    text = {"t": "word " * 4000}
    _report("20,000 characters against a pattern", lambda: validate(long_text, text), 200)

    evil = {"components": [{"type": "textfield", "key": "t", "id": "t", "validate": {"pattern": "^(a|a)+$"}}]}
    limits = FormLimits()
    _report("catastrophic pattern, refused at the default time limit (0.1 s)",
            lambda: validate(evil, {"t": "a" * 5000 + "!"}, limits=limits), 5)


if __name__ == "__main__":
    main()
