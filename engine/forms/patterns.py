"""The formats form-js checks (e-mail, phone), and patterns from uploaded forms run safely.

A form's `pattern` is a JavaScript regular expression written by whoever uploaded the
form, tested against whatever a user typed: it runs in the `regex` module with a time
limit, so a pattern that backtracks catastrophically fails one field instead of hanging
the request. JavaScript and Python agree on the syntax forms use (classes, anchors,
quantifiers, groups, `(?<name>...)`); `\\d`, `\\w` and `\\b` are ASCII and `$` is the very
end, as in JavaScript.
"""

from __future__ import annotations

import functools
from typing import Any

import regex

# Copied from @bpmn-io/form-js-viewer 1.23 (Validator): the server checks what the browser checks.
EMAIL_PATTERN = (
    r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$")
PHONE_PATTERN = (
    r"(\+|00)(297|93|244|1264|358|355|376|971|54|374|1684|1268|61|43|994|257|32|229|226|880|359|"
    r"973|1242|387|590|375|501|1441|591|55|1246|673|975|267|236|1|61|41|56|86|225|237|243|242|"
    r"682|57|269|238|506|53|5999|61|1345|357|420|49|253|1767|45|1809|1829|1849|213|593|20|291|"
    r"212|34|372|251|358|679|500|33|298|691|241|44|995|44|233|350|224|590|220|245|240|30|1473|"
    r"299|502|594|1671|592|852|504|385|509|36|62|44|91|246|353|98|964|354|972|39|1876|44|962|81|"
    r"76|77|254|996|855|686|1869|82|383|965|856|961|231|218|1758|423|94|266|370|352|371|853|590|"
    r"212|377|373|261|960|52|692|389|223|356|95|382|976|1670|258|222|1664|596|230|265|60|262|264|"
    r"687|227|672|234|505|683|31|47|977|674|64|968|92|507|64|51|63|680|675|48|1787|1939|850|351|"
    r"595|970|689|974|262|40|7|250|966|249|221|65|500|4779|677|232|503|378|252|508|381|211|239|"
    r"597|421|386|46|268|1721|248|963|1649|235|228|66|992|690|993|670|676|1868|216|90|688|886|"
    r"255|256|380|598|1|998|3906698|379|1784|58|1284|1340|84|678|681|685|967|27|260|263)"
    r"(9[976]\d|8[987530]\d|6[987]\d|5[90]\d|42\d|3[875]\d|2[98654321]\d|9[8543210]|8[6421]|"
    r"6[6543210]|5[87654321]|4[987654310]|3[9643210]|2[70]|7|1)\d{4,20}$")

MAX_PATTERN_LENGTH = 1_000
"""Longest `pattern` a form may use (the phone format above is longer, but it is ours)."""
_FLAGS = regex.ASCII | regex.VERSION0


class PatternTimeout(Exception):
    """The pattern took longer than its time limit on this value."""


def _javascript_end(pattern: str) -> str:
    """JavaScript's `$` matches only at the very end; Python's also before a final newline.

    Every `$` outside a character class (and not escaped) becomes `\\Z`.
    """
    out: list[str] = []
    in_class = escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            out.append(r"\Z")
            continue
        out.append(char)
    return "".join(out)


EMAIL = regex.compile(_javascript_end(EMAIL_PATTERN), _FLAGS)
PHONE = regex.compile(_javascript_end(PHONE_PATTERN), _FLAGS)


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> regex.Pattern[str] | None:
    """The compiled pattern, or None if it does not compile (or is unreasonably long)."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return None
    try:
        return regex.compile(_javascript_end(pattern), _FLAGS)
    except (regex.error, ValueError, OverflowError):
        return None


def pattern_problem(pattern: Any) -> str | None:
    """Why a form's pattern cannot be used, or None when it can."""
    if not isinstance(pattern, str):
        return "the pattern is not text"
    if compile_pattern(pattern) is None:
        return "the pattern is not a valid regular expression (or is longer than "\
            f"{MAX_PATTERN_LENGTH} characters)"
    return None


def matches(pattern: str | regex.Pattern[str], value: str, timeout: float) -> bool | None:
    """Whether `value` matches `pattern` somewhere (JavaScript's `test`); None if it can't compile.

    Raises PatternTimeout when matching takes longer than `timeout` seconds.
    """
    compiled = compile_pattern(pattern) if isinstance(pattern, str) else pattern
    if compiled is None:
        return None
    try:
        return compiled.search(value, timeout=timeout) is not None
    except TimeoutError:
        raise PatternTimeout(pattern) from None


__all__ = ["EMAIL", "EMAIL_PATTERN", "PHONE", "PHONE_PATTERN", "PatternTimeout", "compile_pattern", "matches",
           "pattern_problem"]
