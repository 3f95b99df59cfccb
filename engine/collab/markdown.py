"""Comments are Markdown, a small subset, rendered to HTML that is sanitised before anyone sees
it: raw HTML in the source is shown as text, and the result is cleaned by an allow-list
(nh3, the Ammonia sanitiser) whatever markdown-it produced.

Subset: paragraphs, line breaks, *emphasis*, **strong**, `code`, fenced code, lists,
> quotes and [links](https://...) (http, https and mailto only; they open with
rel="noopener noreferrer nofollow"). No images, headings, tables or HTML.
`@username` mentions are marked `<span class="mention">`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import nh3
from markdown_it import MarkdownIt

MENTION = re.compile(r"(?<![\w@./])@([A-Za-z0-9_][A-Za-z0-9_.\-]{0,118}[A-Za-z0-9_]|[A-Za-z0-9_])")
TAGS = {"p", "br", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote", "a", "span"}
ATTRIBUTES = {"a": {"href"}, "span": {"class"}}
SCHEMES = {"http", "https", "mailto"}

_PARSER = (MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
           .disable(["image", "heading", "lheading", "html_block", "html_inline", "hr"]))


def mentions_in(text: str) -> list[str]:
    """The `@names` written in a text, in order, once each."""
    seen: list[str] = []
    for name in MENTION.findall(text):
        if name not in seen:
            seen.append(name)
    return seen


def render(text: str, mentioned: Iterable[str] = ()) -> str:
    """Safe HTML for a comment; the names in `mentioned` are marked where written."""
    html = _PARSER.render(text)
    names = set(mentioned)
    if names:
        html = MENTION.sub(lambda m: (f'<span class="mention">@{m.group(1)}</span>'
                                      if m.group(1) in names else m.group(0)), html)
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES,
                     link_rel="noopener noreferrer nofollow")


def excerpt(text: str, length: int = 200) -> str:
    """The text on one line, cut at `length` characters (for notifications)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[:length - 1] + "…"


__all__ = ["excerpt", "mentions_in", "render"]
