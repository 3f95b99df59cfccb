"""A parser for the small part of FEEL that forms use in `conditional.hide` and friends.

form-js evaluates FEEL (with feelin) in the browser; the server needs the same answer
for the simple expressions forms actually contain, without `eval`:

    literals     1  2.5  "text"  true  false  null  [1, 2]
    names        approved   applicant.city   this.title   parent.kind   i[1]  list[1]
    arithmetic   a + b   a - b   a * b   a / b   -a
    comparison   =  !=  <  <=  >  >=   x between 1 and 5   x in [1, 2]
    logic        a and b   a or b   not(x)
    functions    not, count, string length, contains, list contains, starts with,
                 ends with, upper case, lower case

Anything else (filters such as `list[item > 3]`, ranges, `some`/`every`, contexts,
dates, other functions) raises FeelUnsupported: the caller decides what an expression it
cannot evaluate means. Nodes are plain tuples: (kind, ...).
"""

from __future__ import annotations

import functools
import re
from typing import Any, TypeGuard

MAX_EXPRESSION_LENGTH = 2_000
MAX_NESTING = 40

Node = tuple[Any, ...]

FUNCTIONS = frozenset({"not", "count", "string length", "contains", "list contains", "starts with",
                       "ends with", "upper case", "lower case"})
KEYWORDS = frozenset({"and", "or", "not", "true", "false", "null", "between", "in"})
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<function>(?:string\s+length|list\s+contains|starts\s+with|ends\s+with|upper\s+case
                  |lower\s+case)(?=\s*\())
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|!=|[=<>+\-*/(),.\[\]])
""", re.VERBOSE)
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "'": "'"}


class FeelUnsupported(Exception):
    """The expression is not FEEL, or uses FEEL this evaluator does not implement."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise FeelUnsupported(f"unexpected character {text[pos]!r} at position {pos + 1}")
        kind = match.lastgroup or ""
        if kind != "space":
            value = match.group()
            if kind == "function":
                value = " ".join(value.split())
            out.append((kind, value))
        pos = match.end()
    return out


def _string(literal: str) -> str:
    body = literal[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2:i + 6]):
                out.append(chr(int(body[i + 2:i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def peek(self, value: str | None = None) -> bool:
        if self.pos >= len(self.tokens):
            return False
        kind, text = self.tokens[self.pos]
        return value is None or (text == value and kind in ("op", "name"))

    def take(self, value: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise FeelUnsupported("the expression ends too early")
        token = self.tokens[self.pos]
        if value is not None and not (token[1] == value and token[0] in ("op", "name")):
            raise FeelUnsupported(f"expected {value!r}, found {token[1]!r}")
        self.pos += 1
        return token

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise FeelUnsupported("the expression is nested too deeply")

    def expressions(self) -> list[Node]:
        found = [self.expression()]
        while self.peek(","):
            self.take(",")
            found.append(self.expression())
        return found

    def expression(self) -> Node:
        self.nested()
        node = self.conjunction()
        while self.peek("or"):
            self.take()
            node = ("or", node, self.conjunction())
        self.depth -= 1
        return node

    def conjunction(self) -> Node:
        node = self.comparison()
        while self.peek("and"):
            self.take()
            node = ("and", node, self.comparison())
        return node

    def comparison(self) -> Node:
        node = self.sum()
        for op in ("=", "!=", "<=", ">=", "<", ">"):
            if self.peek(op):
                self.take()
                return ("cmp", op, node, self.sum())
        if self.peek("between"):
            self.take()
            low = self.sum()
            self.take("and")
            return ("between", node, low, self.sum())
        if self.peek("in"):
            self.take()
            return ("in", node, self.sum())
        return node

    def sum(self) -> Node:
        node = self.product()
        while self.peek("+") or self.peek("-"):
            op = self.take()[1]
            node = ("arith", op, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.peek("*") or self.peek("/"):
            op = self.take()[1]
            node = ("arith", op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek("-"):
            self.take()
            self.nested()
            node = ("neg", self.unary())
            self.depth -= 1
            return node
        return self.postfix()

    def postfix(self) -> Node:
        node = self.primary()
        while True:
            if self.peek("."):
                self.take()
                kind, name = self.take()
                if kind != "name" or name in KEYWORDS:
                    raise FeelUnsupported(f"expected a name after '.', found {name!r}")
                node = ("path", node, name)
            elif self.peek("["):
                self.take()
                index = self.expression()
                self.take("]")
                node = ("index", node, index)
            else:
                return node

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "number":
            return ("lit", float(text) if "." in text else int(text))
        if kind == "string":
            return ("lit", _string(text))
        if kind == "op" and text == "(":
            node = self.expression()
            self.take(")")
            return node
        if kind == "op" and text == "[":
            items = [] if self.peek("]") else self.expressions()
            self.take("]")
            return ("list", tuple(items))
        if kind in ("name", "function") and self.peek("(") and text in FUNCTIONS:
            self.take("(")
            args = [] if self.peek(")") else self.expressions()
            self.take(")")
            return ("call", text, tuple(args))
        if kind == "name" and text in ("true", "false"):
            return ("lit", text == "true")
        if kind == "name" and text == "null":
            return ("lit", None)
        if kind == "name" and text not in KEYWORDS and not self.peek("("):
            return ("name", text)
        if kind == "name" and self.peek("("):
            raise FeelUnsupported(f"the function {text!r} is not supported")
        raise FeelUnsupported(f"unexpected {text!r}")


def _source(expression: str) -> str:
    text = expression[1:] if expression.startswith("=") else expression
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise FeelUnsupported(f"the expression is longer than {MAX_EXPRESSION_LENGTH} characters")
    if not text.strip():
        raise FeelUnsupported("the expression is empty")
    return text


@functools.lru_cache(maxsize=1024)
def parse_expression(expression: str) -> Node:
    """The tree of one FEEL expression (a leading `=` is allowed)."""
    parser = _Parser(_tokens(_source(expression)))
    node = parser.expression()
    if parser.pos != len(parser.tokens):
        raise FeelUnsupported(f"unexpected {parser.tokens[parser.pos][1]!r}")
    return node


@functools.lru_cache(maxsize=1024)
def parse_unary_tests(expression: str) -> tuple[bool, tuple[Node, ...]]:
    """FEEL unary tests, as form-js reads `conditional.hide`: (negated, tests).

    `not(a, b)` at the top is the negation of the tests a, b; `a, b` is any of them.
    """
    parser = _Parser(_tokens(_source(expression)))
    tests = parser.expressions()
    if parser.pos != len(parser.tokens):
        raise FeelUnsupported(f"unexpected {parser.tokens[parser.pos][1]!r}")
    if len(tests) == 1 and tests[0][0] == "call" and tests[0][1] == "not" and tests[0][2]:
        return True, tuple(tests[0][2])
    return False, tuple(tests)


def is_expression(value: Any) -> TypeGuard[str]:
    """form-js treats a string starting with '=' as a FEEL expression."""
    return isinstance(value, str) and value.startswith("=")


__all__ = ["FUNCTIONS", "FeelUnsupported", "Node", "is_expression", "parse_expression",
           "parse_unary_tests"]
