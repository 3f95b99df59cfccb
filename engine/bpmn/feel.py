"""FEEL (the expression language of DMN and Camunda 8) translated to the sandbox's Python.

No maintained pure-Python FEEL implementation exists that could run inside the
engine's sandbox (the one on PyPI evaluates with its own interpreter, outside the
restricted evaluator, and has not been released since 2023), so FEEL is translated
once, at deployment, into a Python expression the sandbox compiles and runs like any
other. What the translator does not know is refused by name (`FeelError`), never
passed on to be guessed at.

Covered (a test per construct in tests/engine/bpmn/test_feel.py):
literals (numbers, strings, true/false/null), names with spaces (`Service Level`, read
through `feel_var`), paths `a.b` (None-safe, mapped over lists), arithmetic, comparisons
(`=`, `!=`, `<` ...), `and`/`or`/`not()`, `between`, `in` (lists, ranges `[1..5]`, unary
tests), `if then else`, `some/every ... satisfies`, `for ... return`, list and context
literals, filters `xs[item > 1]` and indexes `xs[1]`, and the string, list and numeric
functions in `engine.sandbox.feel_functions.FUNCTIONS`. DMN unary tests (`< 10`,
`"a","b"`, `[1..5]`, `not("x")`, `-`) are translated by `unary_tests` against the name
`dmninputexpr`, which SpiffWorkflow's DMN engine binds to the input value.

Refused: function definitions, named arguments, `instance of`, durations and times of
day in expressions, and any function not in the table.
"""

from __future__ import annotations

import keyword
import re

from engine.bpmn.feel_tokens import KEYWORDS, FeelError, Token, tokens
from engine.sandbox.feel_functions import FUNCTIONS

INPUT_NAME = "dmninputexpr"


_COMPARE = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class _Parser:
    def __init__(self, text: str, *, allow_input: bool = False) -> None:
        self.text = text
        self.toks = tokens(text)
        self.i = 0
        self.allow_input = allow_input
        self.bound: list[set[str]] = []

    # -- token helpers
    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def text_at(self, offset: int = 0) -> str:
        tok = self.peek(offset)
        return tok.text if tok is not None else ""

    def kind_at(self, offset: int = 0) -> str:
        tok = self.peek(offset)
        return tok.kind if tok is not None else ""

    def at(self, *texts: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.text in texts and tok.kind in ("op", "name")

    def take(self, *texts: str) -> Token:
        tok = self.peek()
        if tok is None or (texts and tok.text not in texts):
            wanted = " or ".join(repr(t) for t in texts) if texts else "more"
            found = f"{tok.text!r} at position {tok.pos + 1}" if tok else "the end"
            raise FeelError(f"expected {wanted}, found {found}")
        self.i += 1
        return tok

    def done(self) -> None:
        tok = self.peek()
        if tok is not None:
            raise FeelError(f"unexpected {tok.text!r} at position {tok.pos + 1}")

    # -- grammar
    def expression(self) -> str:
        if self.at("if"):
            self.take("if")
            cond = self.expression()
            self.take("then")
            then = self.expression()
            self.take("else")
            other = self.expression()
            return f"({then} if {cond} else {other})"
        if self.at("some", "every"):
            word = self.take().text
            clauses = self._iteration("satisfies")
            body = self.expression()
            self.bound.pop()
            return f"{'any' if word == 'some' else 'all'}(({body}) {clauses})"
        if self.at("for"):
            self.take("for")
            clauses = self._iteration("return")
            body = self.expression()
            self.bound.pop()
            return f"[({body}) {clauses}]"
        if self.at("function"):
            raise FeelError("function definitions are not supported")
        return self.disjunction()

    def _iteration(self, closing: str) -> str:
        clauses: list[str] = []
        names: set[str] = set()
        while True:
            name = self.take().text
            if not _is_identifier(name):
                raise FeelError(f"iteration variable {name!r} must be a simple name")
            self.take("in")
            source = self.additive()
            if self.at(".."):
                self.take("..")
                source = f"feel_range({source}, {self.additive()})"
            clauses.append(f"for {name} in ({source})")
            names.add(name)
            if not self.at(","):
                break
            self.take(",")
        self.take(closing)
        self.bound.append(names)
        return " ".join(clauses)

    def disjunction(self) -> str:
        left = self.conjunction()
        while self.at("or"):
            self.take()
            left = f"({left} or {self.conjunction()})"
        return left

    def conjunction(self) -> str:
        left = self.comparison()
        while self.at("and"):
            self.take()
            left = f"({left} and {self.comparison()})"
        return left

    def comparison(self) -> str:
        left = self.additive()
        tok = self.peek()
        if tok is None:
            return left
        if tok.kind == "op" and tok.text in _COMPARE:
            self.take()
            return f"({left} {_COMPARE[tok.text]} {self.additive()})"
        if tok.text == "between":
            self.take()
            low = self.additive()
            self.take("and")
            high = self.additive()
            return f"({low} <= {left} <= {high})"
        if tok.text == "in":
            self.take()
            if self.at("(") and not self._is_range():
                # `x in (< 5, > 10)`: a parenthesised list of unary tests
                self.take("(")
                tests = [self.unary_test(left)]
                while self.at(","):
                    self.take(",")
                    tests.append(self.unary_test(left))
                self.take(")")
                return tests[0] if len(tests) == 1 else "(" + " or ".join(tests) + ")"
            return self.unary_test(left)
        if tok.text == "instance of":
            raise FeelError("'instance of' is not supported")
        return left

    def unary_test(self, subject: str) -> str:
        """One positive unary test against `subject`."""
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.text in ("<", "<=", ">", ">=", "=", "!="):
            self.take()
            return f"({subject} {_COMPARE[tok.text]} {self.additive()})"
        if tok is not None and tok.text in ("[", "]", "(") and self._is_range():
            return self.range_test(subject)
        value = self.additive()
        if value.startswith(("'", '"')) or re.fullmatch(r"-?[\d.]+|True|False|None", value):
            return f"({subject} == {value})"
        return f"feel_in({subject}, {value})"

    def _is_range(self) -> bool:
        """Does a range (`[a..b]`, `(a..b)`, `]a..b[`) start at the current token?"""
        depth = 1
        for tok in self.toks[self.i + 1:]:
            if tok.text in ("(", "[", "{"):
                depth += 1
            elif tok.text in (")", "]", "}"):
                depth -= 1
                if depth <= 0:
                    return False
            elif tok.text == ".." and depth == 1:
                return True
            elif tok.text == "," and depth == 1:
                return False
        return False

    def range_test(self, subject: str) -> str:
        opening = self.take("[", "]", "(").text
        low = self.additive()
        self.take("..")
        high = self.additive()
        closing = self.take("]", "[", ")").text
        low_op = "<=" if opening == "[" else "<"
        high_op = "<=" if closing == "]" else "<"
        return f"({low} {low_op} {subject} {high_op} {high})"

    def additive(self) -> str:
        left = self.multiplicative()
        while self.at("+", "-"):
            op = self.take().text
            left = f"({left} {op} {self.multiplicative()})"
        return left

    def multiplicative(self) -> str:
        left = self.power()
        while self.at("*", "/"):
            op = self.take().text
            left = f"({left} {op} {self.power()})"
        return left

    def power(self) -> str:
        left = self.unary()
        while self.at("**"):
            self.take()
            left = f"({left} ** {self.unary()})"
        return left

    def unary(self) -> str:
        if self.at("-"):
            self.take()
            return f"(-{self.unary()})"
        return self.postfix()

    def postfix(self) -> str:
        value, name = self.primary()
        while True:
            if self.at("("):
                if name is None:
                    raise FeelError("only named functions can be called")
                value = self.call(name)
                name = None
            elif self.at("."):
                self.take(".")
                member = self.take().text
                value = f"feel_get({value}, {member!r})"
                name = None
            elif self.at("["):
                self.take("[")
                inner_start = self.i
                if self.kind_at() == "number" and self.text_at(1) == "]":
                    value = f"feel_index({value}, {self.take().text})"
                elif self.at("-") and self.kind_at(1) == "number" and self.text_at(2) == "]":
                    self.take("-")
                    value = f"feel_index({value}, -{self.take().text})"
                else:
                    self.i = inner_start
                    self.bound.append({"item"})
                    cond = self.expression()
                    self.bound.pop()
                    value = f"[item for item in feel_list({value}) if {cond}]"
                self.take("]")
                name = None
            else:
                return value

    def call(self, name: str) -> str:
        self.take("(")
        args: list[str] = []
        if not self.at(")"):
            while True:
                if self.text_at(1) == ":" and self.kind_at() == "name":
                    raise FeelError(f"named arguments (in '{name}') are not supported; "
                                    "pass the arguments in order")
                args.append(self.expression())
                if not self.at(","):
                    break
                self.take(",")
        self.take(")")
        if name == "not":
            if len(args) != 1:
                raise FeelError("not() takes one argument")
            return f"(not {args[0]})"
        helper = FUNCTIONS.get(name)
        if helper is None:
            raise FeelError(f"the FEEL function '{name}' is not supported")
        return f"{helper}({', '.join(args)})"

    def primary(self) -> tuple[str, str | None]:
        if self.at("some", "every", "for", "if"):  # `a and some x in xs satisfies ...`
            return self.expression(), None
        tok = self.take()
        if tok.kind == "number":
            return tok.text if not tok.text.startswith(".") else "0" + tok.text, None
        if tok.kind == "string":
            return _string(tok.text), None
        if tok.text == "true":
            return "True", None
        if tok.text == "false":
            return "False", None
        if tok.text == "null":
            return "None", None
        if tok.text == "?":
            if not self.allow_input:
                raise FeelError("'?' is only allowed in decision table input entries")
            return INPUT_NAME, None
        if tok.text == "@":
            literal = self.take()
            if literal.kind != "string":
                raise FeelError("'@' must be followed by a string")
            return f"feel_temporal({_string(literal.text)})", None
        if tok.text == "(":
            inner = self.expression()
            self.take(")")
            return f"({inner})", None
        if tok.text == "[":
            items: list[str] = []
            if not self.at("]"):
                items.append(self.expression())
                while self.at(","):
                    self.take(",")
                    items.append(self.expression())
            self.take("]")
            return "[" + ", ".join(items) + "]", None
        if tok.text == "{":
            pairs: list[str] = []
            if not self.at("}"):
                while True:
                    key = self.take()
                    key_text = _string(key.text) if key.kind == "string" else repr(key.text)
                    self.take(":")
                    pairs.append(f"{key_text}: {self.expression()}")
                    if not self.at(","):
                        break
                    self.take(",")
            self.take("}")
            return "{" + ", ".join(pairs) + "}", None
        if tok.kind == "name" and tok.text not in KEYWORDS - {"not"}:
            if self.at("("):
                return "", tok.text
            return self.name(tok.text), tok.text
        raise FeelError(f"unexpected {tok.text!r} at position {tok.pos + 1}")

    def name(self, text: str) -> str:
        if any(text in scope for scope in self.bound) or _is_identifier(text):
            return text
        return f"feel_var({text!r})"


def _is_identifier(text: str) -> bool:
    return (text.isidentifier() and not keyword.iskeyword(text) and not text.startswith("_")
            and not text.startswith("feel_"))


def _string(token: str) -> str:
    body = token[1:-1]
    body = re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)),
                  body)
    return repr(body)


def to_python(text: str) -> str:
    """A FEEL expression (without the leading `=`) as a Python expression for the sandbox."""
    stripped = text.strip()
    if not stripped:
        raise FeelError("empty FEEL expression")
    parser = _Parser(stripped)
    result = parser.expression()
    parser.done()
    return result


def unary_tests(text: str | None) -> str | None:
    """A DMN input entry (FEEL unary tests) as a Python test of `dmninputexpr`; None for `-`."""
    stripped = (text or "").strip()
    if stripped in ("", "-"):
        return None
    parser = _Parser(stripped, allow_input=True)
    negate = False
    if parser.at("not") and parser.text_at(1) == "(":
        parser.take("not")
        parser.take("(")
        negate = True
    tests = [_one_test(parser)]
    while parser.at(","):
        parser.take(",")
        tests.append(_one_test(parser))
    if negate:
        parser.take(")")
    parser.done()
    joined = tests[0] if len(tests) == 1 else "(" + " or ".join(tests) + ")"
    return f"(not {joined})" if negate else joined


def _one_test(parser: _Parser) -> str:
    depth = 0
    uses_input = False
    for tok in parser.toks[parser.i:]:
        depth += tok.text in ("(", "[", "{")
        depth -= tok.text in (")", "]", "}")
        if tok.text == "," and depth <= 0:
            break
        uses_input = uses_input or tok.text == "?"
    if uses_input:
        # an expression using '?' is a boolean test of its own
        return parser.expression()
    return parser.unary_test(INPUT_NAME)


__all__ = ["INPUT_NAME", "FeelError", "to_python", "unary_tests"]
