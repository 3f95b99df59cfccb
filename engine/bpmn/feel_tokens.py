"""Tokens of FEEL text: FEEL names may contain spaces (`Service Level`, `string length`)."""

from __future__ import annotations

import re
from dataclasses import dataclass


class FeelError(ValueError):
    """A FEEL text the engine cannot translate; the message names the construct."""


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?|\.\d+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<op>\.\.|<=|>=|!=|\*\*|[=<>+\-*/()\[\]{},.:@?])
  | (?P<name>[^\W\d][\w']*)
""", re.VERBOSE | re.UNICODE)

KEYWORDS = frozenset({"and", "or", "in", "satisfies", "return", "then", "else", "if", "for",
                      "some", "every", "between", "instance", "of", "true", "false", "null",
                      "function", "not"})
# Names that contain keywords and are read as one name.
_COMPOUND = (("date", "and", "time"), ("years", "and", "months", "duration"),
             ("instance", "of"), ("index", "of"))


@dataclass
class Token:
    kind: str
    text: str
    pos: int


def tokens(text: str) -> list[Token]:
    """The tokens of a FEEL text, adjacent words joined into names."""
    out: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise FeelError(f"unexpected character {text[pos]!r} at position {pos + 1}")
        kind = match.lastgroup or ""
        if kind != "space":
            out.append(Token(kind, match.group(), pos))
        pos = match.end()
    return _join_names(out, text)


def _join_names(tokens: list[Token], text: str) -> list[Token]:
    """Adjacent words form one name (`Service Level`, `string length`), keywords excepted."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        compound = next((c for c in _COMPOUND
                         if [t.text for t in tokens[i:i + len(c)]] == list(c)
                         and all(t.kind == "name" for t in tokens[i:i + len(c)])), None)
        if compound:
            out.append(Token("name", " ".join(compound), tok.pos))
            i += len(compound)
            continue
        if tok.kind == "name" and tok.text not in KEYWORDS:
            words = [tok.text]
            j = i + 1
            while j < len(tokens) and tokens[j].kind == "name" and tokens[j].text not in KEYWORDS:
                words.append(tokens[j].text)
                j += 1
            out.append(Token("name", " ".join(words), tok.pos))
            i = j
            continue
        out.append(tok)
        i += 1
    return out


__all__ = ["KEYWORDS", "FeelError", "Token", "tokens"]
