"""Comments (engine.collab.comments, engine.collab.markdown) and drafts (engine.collab.drafts)."""

from __future__ import annotations

import pytest

from engine.collab.comments import MAX_COMMENT, add_comment, case_comments
from engine.collab.drafts import MAX_DRAFT_BYTES, load_draft, save_draft
from engine.collab.markdown import mentions_in, render
from engine.errors import InvalidInput, PermissionDenied
from engine.runtime.tasks import claim_task, complete_task, unclaim_task
from tests.engine.notify.conftest import Paper, paper, smtp_server

__all__ = ["paper", "smtp_server"]


def test_markdown_is_a_small_safe_subset() -> None:
    html = render("**Hi** @ana <script>alert(1)</script> [x](javascript:alert(1)) "
                  "[site](https://example.org) <img src=x onerror=alert(1)>\n\n- one\n- two", ["ana"])
    assert "<strong>Hi</strong>" in html and '<span class="mention">@ana</span>' in html
    assert "<script" not in html and "<img" not in html and "javascript:" not in html.split("[x]")[0]
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">site</a>' in html
    assert "<ul>" in html and "&lt;script&gt;" in html
    assert mentions_in("mail ana@example.org, @bob, @bob, (@carla.m)") == ["bob", "carla.m"]


def test_who_may_see_the_case_reads_and_writes_comments(paper: Paper) -> None:
    case_id = paper.start()
    paper.write(case_id)
    add_comment(paper.session, paper.who("ana"), case_id, "First *draft* is in.")
    add_comment(paper.session, paper.who("rui"), case_id, "Reading it.",
                task_id=paper.open_task(case_id, "review").id)
    listed = case_comments(paper.session, paper.who("rita"), case_id)
    assert [(c.author, c.task_name, c.html.strip()) for c in listed] == [
        ("ana", None, "<p>First <em>draft</em> is in.</p>"),
        ("rui", "Review the paper", "<p>Reading it.</p>")]
    with pytest.raises(PermissionDenied):
        case_comments(paper.session, paper.who("otto"), case_id)
    with pytest.raises(PermissionDenied):
        add_comment(paper.session, paper.who("otto"), case_id, "Let me in")
    with pytest.raises(InvalidInput, match="write something"):
        add_comment(paper.session, paper.who("ana"), case_id, "   ")
    with pytest.raises(InvalidInput, match="at most"):
        add_comment(paper.session, paper.who("ana"), case_id, "x" * (MAX_COMMENT + 1))


def test_a_draft_is_kept_for_its_author_until_the_task_is_done(paper: Paper) -> None:
    case_id = paper.start()
    paper.write(case_id)
    task = paper.open_task(case_id, "review")
    with pytest.raises(PermissionDenied):
        save_draft(paper.session, paper.who("otto"), task.id, {"review_comment": "x"})
    save_draft(paper.session, paper.who("rui"), task.id, {"review_comment": "Half a thought"})
    claim_task(paper.session, task.id, user=paper.who("rui"))
    unclaim_task(paper.session, task.id, user=paper.who("rui"))  # given back ...
    claim_task(paper.session, task.id, user=paper.who("rui"))    # ... and taken again
    draft = load_draft(paper.session, paper.who("rui"), task.id)
    assert draft is not None and draft[0] == {"review_comment": "Half a thought"}
    assert load_draft(paper.session, paper.who("rita"), task.id) is None  # nobody else's
    with pytest.raises(InvalidInput, match="at most"):
        save_draft(paper.session, paper.who("rui"), task.id, {"x": "y" * MAX_DRAFT_BYTES})
    with pytest.raises(InvalidInput, match="JSON object"):
        save_draft(paper.session, paper.who("rui"), task.id, ["not", "an", "object"])
    complete_task(paper.session, task.id, user=paper.who("rui"), data={"decision": "approve"})
    assert load_draft(paper.session, paper.who("rui"), task.id) is None
