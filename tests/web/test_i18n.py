"""The reader's language and time zone through the web pages and the API (real app, real catalogs)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import sessionmaker

from engine.access.users import get_user
from tests.web.conftest import login, post
from tests.web.flows import start_committee

API = "/api/v1"


def test_the_login_page_speaks_the_browsers_language(client: FlaskClient) -> None:
    assert "<h1>登录</h1>" in client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert "<h1>Entrar</h1>" in client.get("/login", headers={"Accept-Language": "pt-BR"}).text
    assert "<h1>Sign in</h1>" in client.get("/login", headers={"Accept-Language": "de"}).text
    assert 'lang="zh-Hans"' in client.get("/login", headers={"Accept-Language": "zh"}).text


def test_the_switch_on_the_login_page_is_kept_after_sign_in(
        client: FlaskClient, seeded: sessionmaker[Any]) -> None:
    response = post(client, "/language", {"lang": "pt", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "<h1>Entrar</h1>" in client.get("/login", headers={"Accept-Language": "en"}).text
    assert login(client, "quanzhou").status_code == 302
    inbox = client.get("/inbox/", headers={"Accept-Language": "en"}).text
    assert "Caixa de entrada" in inbox and "Minhas tarefas" in inbox
    post(client, "/language", {"lang": "zh", "next": "/inbox/"})
    assert "我的任务" in client.get("/inbox/").text
    with seeded() as session:
        assert get_user(session, "quanzhou").language == "zh"  # the switch is the user's choice


def test_a_foreign_next_address_is_not_followed(client: FlaskClient) -> None:
    response = post(client, "/language", {"lang": "pt", "next": "//evil.example/"})
    assert response.status_code == 302 and "evil" not in response.headers["Location"]


def test_profile_saves_language_and_time_zone(login_as: Callable[[str], FlaskClient],
                                              seeded: sessionmaker[Any]) -> None:
    client = login_as("quanzhou")
    saved = post(client, "/profile/preferences", {"language": "zh", "timezone": "Asia/Shanghai"})
    assert saved.status_code == 302
    page = client.get("/profile/").text
    assert "语言和时区" in page and "Asia/Shanghai" in page
    refused = post(client, "/profile/preferences", {"language": "zh", "timezone": "Mars/Olympus"})
    assert refused.status_code == 422 and "“Mars/Olympus”不是时区" in refused.text
    bad_language = post(client, "/profile/preferences", {"language": "xx", "timezone": "UTC"})
    assert bad_language.status_code == 422
    with seeded() as session:
        user = get_user(session, "quanzhou")
        assert (user.language, user.timezone, user.timezone_chosen) == ("zh", "Asia/Shanghai", True)


def test_the_browsers_zone_is_taken_until_the_user_chooses(client: FlaskClient,
                                                          seeded: sessionmaker[Any]) -> None:
    def sign_in(zone: str) -> None:
        post(client, "/logout")
        page = client.get("/login").text
        token = page.split('name="csrf-token" content="')[1].split('"')[0]
        client.post("/login", data={"csrf_token": token, "username": "quanzhou",
                                    "password": "demo-city-quanzhou", "tz": zone})

    sign_in("Asia/Shanghai")
    with seeded() as session:
        assert get_user(session, "quanzhou").timezone == "Asia/Shanghai"
    sign_in("not/a zone")  # ignored, the account keeps its zone
    with seeded() as session:
        assert get_user(session, "quanzhou").timezone == "Asia/Shanghai"
    post(client, "/profile/preferences", {"language": "", "timezone": "Europe/Lisbon"})
    sign_in("America/Sao_Paulo")  # chosen on the profile page: the browser no longer decides
    with seeded() as session:
        assert get_user(session, "quanzhou").timezone == "Europe/Lisbon"


def test_the_browsers_language_is_kept_at_sign_in_for_mail(client: FlaskClient,
                                                          seeded: sessionmaker[Any]) -> None:
    def sign_in(accept: str) -> None:
        post(client, "/logout")
        page = client.get("/login", headers={"Accept-Language": accept}).text
        token = page.split('name="csrf-token" content="')[1].split('"')[0]
        client.post("/login", headers={"Accept-Language": accept},
                    data={"csrf_token": token, "username": "quanzhou", "password": "demo-city-quanzhou"})

    sign_in("zh-CN,zh;q=0.9")
    with seeded() as session:
        user = get_user(session, "quanzhou")
        assert (user.language, user.browser_language) == (None, "zh")
    sign_in("de-DE")  # not offered: the pages spoke English, so will the mail
    with seeded() as session:
        assert get_user(session, "quanzhou").browser_language == "en"
    sign_in("pt-BR,pt;q=0.8")
    with seeded() as session:
        assert get_user(session, "quanzhou").browser_language == "pt"


def test_api_answers_a_404_in_portuguese(client: FlaskClient, seeded: sessionmaker[Any]) -> None:
    from engine.access.tokens import create_token
    with seeded() as session:
        secret = create_token(session, "sec_wang", name="i18n").secret
        session.commit()
    headers = {"Authorization": f"Bearer {secret}", "Accept-Language": "pt"}
    unknown = client.get(f"{API}/tasks/987654", headers=headers)
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    body = unknown.get_json()
    assert body["title"] == "Não encontrado" and body["detail"] == "tarefa 987654 desconhecida"
    nowhere = client.get(f"{API}/no-such-thing", headers=headers).get_json()
    assert nowhere["title"] == "Não encontrado" and nowhere["detail"] == "Não há nada neste endereço."
    chinese = client.get(f"{API}/tasks/987654", headers={**headers, "Accept-Language": "zh-CN"}).get_json()
    assert chinese["title"] == "未找到" and chinese["detail"] == "未知任务 987654"
    english = client.get(f"{API}/tasks/987654", headers={**headers, "Accept-Language": "en"}).get_json()
    assert english["detail"] == "unknown task 987654"
    no_token = client.get(f"{API}/tasks", headers={"Accept-Language": "zh"}).get_json()
    assert no_token["title"] == "未授权" and "需要 API 令牌" in no_token["detail"]


def test_a_refusal_from_the_engine_is_translated_on_the_page(
        login_as: Callable[[str], FlaskClient], seeded: sessionmaker[Any]) -> None:
    _case_id, task_id = start_committee(seeded)
    client = login_as("sec_wang")
    post(client, "/language", {"lang": "pt", "next": "/inbox/"})
    refused = post(client, f"/tasks/{task_id}/claim")
    assert refused.status_code == 409  # the initiator's draft is held by quanzhou
    assert f"a tarefa {task_id} está com outra pessoa" in refused.text
    assert "Outra pessoa está trabalhando nesta tarefa" in refused.text


def test_task_and_case_pages_use_the_process_translation(
        login_as: Callable[[str], FlaskClient], seeded: sessionmaker[Any]) -> None:
    case_id, task_id = start_committee(seeded)
    client = login_as("quanzhou")
    post(client, "/language", {"lang": "zh", "next": "/inbox/"})
    inbox = client.get("/inbox/").text
    assert "起草职责范围" in inbox and "设立委员会" in inbox and "提议方" in inbox
    page = client.get(f"/tasks/{task_id}").text
    schema = json.loads(page.split('id="form-schema">')[1].split("</script>")[0])
    labels = {c.get("key"): c.get("label") for c in schema["components"] if c.get("key")}
    assert labels["committee_name"] == "委员会名称"
    sector = next(c for c in schema["components"] if c.get("key") == "sector")
    assert {"value": "tourism", "label": "旅游"} in sector["values"]  # codes stay, labels change
    post(client, "/language", {"lang": "pt", "next": "/inbox/"})
    assert "Redigir os termos de referência" in client.get("/inbox/").text
    staff = login_as("sec_wang")
    post(staff, "/language", {"lang": "zh", "next": "/inbox/"})
    case_page = staff.get(f"/cases/{case_id}").text
    assert "设立委员会" in case_page and "起草职责范围" in case_page


def test_the_modeler_lists_strings_without_a_translation(login_as: Callable[[str], FlaskClient]) -> None:
    client = login_as("sec_wang")
    page = client.get("/modeler/committee_establishment/v1/").text
    assert 'data-language="pt"' in page and 'data-language="zh"' in page
    done = client.get("/modeler/task_force/v1/").text
    assert "forms.task_force_appointment" in done or "elements." in done  # not translated yet: listed
