"""Issue 14, cases 4, 6 and 9: malformed input is a 4xx (never a 500), CSV cells are
escaped, and every page carries a Content-Security-Policy."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import requests

from tests.hostile.conftest import Stack
from tests.hostile.test_scripts import start

DEEP = "[" * 100_000 + "]" * 100_000
HUGE_INT = "1" * 5000
PROBLEM = "application/problem+json"


def _ids(stack: Stack) -> dict[str, int]:
    """A case with an open task of quanzhou's, for the endpoints that name one."""
    case = start(stack, "quanzhou", "plain", business_key="INPUT-IDS").json()
    return {"case": case["id"], "task": case["open_tasks"][0]["id"]}


JSON_ENDPOINTS = [  # the 8 operations that read a JSON body
    ("quanzhou", "/api/v1/process-definitions/plain/start"),
    ("sec_wang", "/api/v1/process-instances/{case}/suspend"),
    ("sec_wang", "/api/v1/process-instances/{case}/resume"),
    ("sec_wang", "/api/v1/process-instances/{case}/cancel"),
    ("sec_wang", "/api/v1/tasks/{task}/assign"),
    ("quanzhou", "/api/v1/tasks/{task}/complete"),
    ("sec_wang", "/api/v1/messages"),
    ("sec_wang", "/api/v1/incidents/1/retry"),
]


@pytest.mark.parametrize("body", [DEEP, f'{{"variables": {{"n": {HUGE_INT}}}}}',
                                  '{"variables": {"x": Infinity}}', '{"variables": {"x": 1e999}}',
                                  '{"variables": {"x": NaN}}', '{"reason": "a\\u0000b"}',
                                  '{"reason": "\\ud800"}', '{"name": "a\\u0000b"}'],
                         ids=["deep", "huge-int", "infinity", "1e999", "nan", "nul", "surrogate",
                              "nul-name"])
def test_malformed_json_bodies_are_400_on_every_endpoint(stack: Stack, body: str) -> None:
    ids = _ids(stack)
    for user, path in JSON_ENDPOINTS:
        answer = stack.api(user).post(stack.url + path.format(**ids), data=body, timeout=30,
                                      headers={"Content-Type": "application/json"})
        assert answer.status_code == 400, (path, answer.status_code, answer.text[:300])
        assert answer.headers["Content-Type"].startswith(PROBLEM), path


@pytest.mark.parametrize(("field", "body"), [
    ("business_key", {"business_key": "KEY\u0000"}),
    ("variables", {"variables": {"note": "a\u0000b"}}),
    ("variables", {"variables": {"note": "\ud800"}}),
])
def test_nul_and_lone_surrogates_in_api_text_are_400(stack: Stack, field: str,
                                                      body: dict[str, Any]) -> None:
    raw = requests.models.complexjson.dumps(body)  # \u0000 and \ud800 as JSON escapes
    answer = stack.api("quanzhou").post(f"{stack.url}/api/v1/process-definitions/plain/start",
                                        data=raw, headers={"Content-Type": "application/json"},
                                        timeout=30)
    assert answer.status_code == 400, (field, answer.text[:300])


def test_nul_in_web_forms_and_filters_is_400(stack: Stack) -> None:
    ids = _ids(stack)
    city, secretariat = stack.browser("quanzhou"), stack.browser("sec_wang")
    admin = stack.browser("admin")
    posts = [
        (city, "/start/plain", {"business_key": "K\u0000", "data": "{}"}),
        (city, "/profile/tokens", {"name": "token\u0000"}),
        (secretariat, f"/cases/{ids['case']}/suspend", {"reason": "why\u0000"}),
        (admin, "/admin/users/revoke_e", {"display_name": "Name\u0000", "timezone": "UTC"}),
    ]
    for client, path, data in posts:
        answer = stack.post_form(client, path, data)
        assert answer.status_code == 400, (path, answer.status_code)
        assert "<html" in answer.text.lower()  # an error page
    for name in ("q", "process", "started_by", "concerned", "lane"):
        answer = secretariat.get(f"{stack.url}/cases/list", params={name: "x\u0000y"}, timeout=30)
        assert answer.status_code == 400, name
    assert city.get(f"{stack.url}/inbox/", params={"q": "x\u0000"}, timeout=30).status_code == 400


def test_non_finite_numbers_in_the_web_start_form_are_refused(stack: Stack) -> None:
    city = stack.browser("quanzhou")
    for data in ('{"x": Infinity}', '{"x": 1e999}', "[" * 5000 + "]" * 5000):
        answer = stack.post_form(city, "/start/plain", {"business_key": "NONFINITE", "data": data})
        assert answer.status_code == 422, (data[:20], answer.status_code)
    assert stack.query("SELECT count(*) FROM case_instance WHERE business_key = 'NONFINITE'") \
        == [(0,)]


def test_numbers_and_dates_out_of_range_in_addresses(stack: Stack) -> None:
    secretariat = stack.browser("sec_wang")
    for path in ("/cases/99999999999999", "/cases/99999999999999999999999", "/tasks/2147483648",
                 f"/tasks/{2**63}", "/modeler/committee_establishment/v99999999999999/"):
        assert secretariat.get(stack.url + path, timeout=30).status_code == 404, path
    for path in ("/inbox/?page=99999999999999999999", "/cases/list?page=99999999999999999999",
                 "/cases/list?version=99999999999999999999&process=plain"):
        assert secretariat.get(stack.url + path, timeout=30).status_code == 400, path
    for query in ("started_to=9999-12-31", "started_from=0001-01-01", "ended_to=9999-12-31"):
        assert secretariat.get(f"{stack.url}/cases/list?{query}", timeout=30).status_code == 200
    api = stack.api("sec_wang")
    assert api.get(f"{stack.url}/api/v1/process-instances/99999999999999", timeout=30).status_code \
        == 404
    assert api.get(f"{stack.url}/api/v1/tasks?page=99999999999999999999",
                   timeout=30).status_code == 422


def test_crlf_in_next_is_not_a_header(stack: Stack) -> None:
    client = stack.browser()
    token = stack.csrf(client)
    answer = client.post(f"{stack.url}/login?next=/inbox/%0D%0ASet-Cookie:%20evil=1",
                         data={"csrf_token": token, "username": "quanzhou",
                               "password": "demo-city-quanzhou"}, allow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/inbox/") and "evil" not in answer.headers.get(
        "Set-Cookie", "")


def test_csv_cells_are_escaped(stack: Stack) -> None:
    keys = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "PLAIN"]
    titles = ["=1+1 title", "@cmd title"]
    for key in keys:
        assert start(stack, "sec_wang", "plain", business_key=key).status_code == 201
    for control in ("\tTAB", "\rCR"):  # a business key is printable text: refused at the door
        assert start(stack, "sec_wang", "plain", business_key=control).status_code == 422
    for title in titles:
        assert start(stack, "sec_wang", "plain", variables={"title": title}).status_code == 201
    for padded in ("\tTAB title", "\rCR title"):  # titles are trimmed: no leading control character
        assert start(stack, "sec_wang", "plain", variables={"title": padded}).json()["title"] == \
            padded.strip()
    export = stack.browser("sec_wang").get(f"{stack.url}/cases/export.csv", timeout=30)
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    cells = {row["Business key"] for row in rows} | {row["Title"] for row in rows}
    for text in keys[:-1] + titles:
        assert "'" + text in cells and text not in cells, text
    assert "PLAIN" in cells


def test_every_page_has_a_content_security_policy(stack: Stack) -> None:
    city = stack.browser("quanzhou")
    for path in ("/login", "/inbox/", "/no-such-page", "/api/v1/docs"):
        policy = city.get(stack.url + path, timeout=30).headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
