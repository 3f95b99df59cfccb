"""Issue 14, cases 5 and 7: the lockout counts every concurrent wrong password, and a
copied session cookie stops working after sign-out or a password reset."""

from __future__ import annotations

import threading

import requests

from tests.hostile.conftest import PASSWORD, Stack


def _burst(stack: Stack, username: str, passwords: list[str]) -> list[int]:
    """All these sign-ins at once (each its own browser, CSRF token fetched beforehand)."""
    clients = [requests.Session() for _ in passwords]
    tokens = [stack.csrf(client) for client in clients]
    gate = threading.Barrier(len(passwords))
    answers: list[int] = [0] * len(passwords)

    def attempt(index: int) -> None:
        gate.wait()
        answers[index] = stack.sign_in(clients[index], username, passwords[index],
                                       token=tokens[index]).status_code

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(passwords))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _account(stack: Stack, username: str) -> tuple[int, bool]:
    failed, locked_until = stack.query(
        "SELECT failed_logins, locked_until FROM user_account WHERE username = :u", u=username)[0]
    return failed, locked_until is not None


def test_four_concurrent_wrong_passwords_count_four(stack: Stack) -> None:
    assert _burst(stack, "lock_a", ["wrong"] * 4) == [200] * 4  # the page again, not signed in
    assert _account(stack, "lock_a") == (4, False)
    assert _burst(stack, "lock_a", ["wrong"]) == [200]
    assert _account(stack, "lock_a") == (0, True)  # locked at exactly the fifth


def test_twenty_concurrent_wrong_passwords_lock_the_account(stack: Stack) -> None:
    assert _burst(stack, "lock_b", ["wrong"] * 20) == [200] * 20
    assert _account(stack, "lock_b")[1] is True
    assert stack.sign_in(requests.Session(), "lock_b", PASSWORD).status_code == 200  # refused


def test_the_right_password_inside_a_burst_after_the_lock_is_refused(stack: Stack) -> None:
    assert _burst(stack, "lock_c", ["wrong"] * 5) == [200] * 5
    answers = _burst(stack, "lock_c", ["wrong"] * 39 + [PASSWORD])
    assert answers == [200] * 40  # none of them signed in (a sign-in is a 302)
    assert _account(stack, "lock_c") == (0, True)


def test_a_copied_cookie_stops_working_after_sign_out(stack: Stack) -> None:
    browser = stack.browser("revoke_d", PASSWORD)
    copy = requests.Session()
    copy.cookies.update(browser.cookies)
    assert copy.get(f"{stack.url}/inbox/", allow_redirects=False).status_code == 200
    assert stack.post_form(browser, "/logout", {}).status_code == 302
    answer = copy.get(f"{stack.url}/inbox/", allow_redirects=False)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_a_copied_cookie_stops_working_after_an_admin_resets_the_password(stack: Stack) -> None:
    browser = stack.browser("revoke_e", PASSWORD)
    assert browser.get(f"{stack.url}/inbox/", allow_redirects=False).status_code == 200
    admin = stack.browser("admin")
    reset = stack.post_form(admin, "/admin/users/revoke_e", {
        "groups": "staff", "timezone": "UTC", "password": "a-new-password-1", "active": "y"})
    assert reset.status_code == 302, reset.text[:500]
    answer = browser.get(f"{stack.url}/inbox/", allow_redirects=False)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert stack.browser("revoke_e", "a-new-password-1").get(
        f"{stack.url}/inbox/", allow_redirects=False).status_code == 200
