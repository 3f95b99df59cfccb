"""The committee story in Portuguese and in Chinese, in Debian's chromium: the language is
picked with the header switch on the login page, the processes' own words (task names,
form labels, options) come from processes/i18n, and screenshots of the inbox, a task page
and the case page are saved in test-output/screenshots/ for each language."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from engine.store.models import Case
from tests.web.conftest import SCREENSHOTS, LiveServer
from tests.web.test_browser import NEW_COMMITTEE, Participant, pytestmark  # noqa: F401  (browser marks)

WORDS: dict[str, dict[str, str]] = {
    "pt": {"sign_in": "Entrar", "new": "Um novo comitê",
           "process": "Criação de comitê", "draft": "Redigir os termos de referência",
           "name": "Nome do comitê", "sector": "Setor", "tourism": "Turismo", "objectives": "Objetivos",
           "scope": "Escopo", "membership": "Composição (cidades e instituições)",
           "resources": "Plano de mobilização de recursos", "partners": "Principais instituições parceiras",
           "typed": "Câmara", "iran": "Câmara de Comércio do Irã",
           "endorse_task": "Endossar os termos de referência", "endorse": "Endossar",
           "review": "Analisar os termos de referência", "take": "Assumir", "approve": "Aprovar",
           "inbox": "Caixa de entrada", "done": "foi concluída", "case_data": "Dados do caso"},
    "zh": {"sign_in": "登录", "new": "一个新委员会",
           "process": "设立委员会", "draft": "起草职责范围", "name": "委员会名称",
           "sector": "领域", "tourism": "旅游", "objectives": "目标", "scope": "范围",
           "membership": "成员构成（城市和机构）",  # noqa: RUF001  (Chinese brackets)
           "resources": "资源筹措计划", "partners": "主要合作机构",
           "typed": "伊朗", "iran": "伊朗商会", "endorse_task": "认可职责范围", "endorse": "认可",
           "review": "审核职责范围", "take": "领取", "approve": "批准", "inbox": "收件箱",
           "done": "已完成", "case_data": "案件数据"},
}


def speak(person: Participant, language: str) -> None:
    """Pick the language with the header switch on the login page, then sign in."""
    page = person.page
    page.goto(f"{person.url}/login")
    with page.expect_navigation():
        page.select_option("#language-switch", language)
    assert page.inner_text("h1") == WORDS[language]["sign_in"]
    person.sign_in()


@pytest.mark.parametrize("language", ["pt", "zh"])
def test_the_committee_story_in_another_language(browser: Any, live_server: LiveServer,
                                                 seeded: sessionmaker[Any], language: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    w = WORDS[language]
    city = Participant(browser, live_server, "quanzhou")
    speak(city, language)
    page = city.page
    assert w["inbox"] in page.inner_text("main h1")

    page.goto(f"{live_server.url}/start/")
    page.get_by_role("row", name=re.compile(w["process"])).get_by_role("link").click()
    page.fill("#business_key", f"TOR-{language.upper()}")
    page.click("#submit-button")
    page.wait_for_selector("#task-form[data-ready=yes]")
    assert page.inner_text("h1") == w["draft"]
    city.radio(w["new"])
    city.text(w["name"], NEW_COMMITTEE)
    city.select(w["sector"], w["tourism"])
    city.text(w["objectives"], "海上丝绸之路旅游 / turismo do patrimônio marítimo")
    city.text(w["scope"], "Rotas culturais · 文化线路")
    city.text(w["membership"], "Quanzhou, Chongqing")
    city.text(w["resources"], "Seed funding")
    city.tag(w["partners"], w["typed"], w["iran"])
    page.screenshot(path=str(SCREENSHOTS / f"task-page-{language}.png"), full_page=True)
    city.send()
    assert page.url.endswith("/inbox/") and w["done"] in page.inner_text(".flash")

    partner = Participant(browser, live_server, "iran_chamber")
    speak(partner, language)
    partner.open_task(w["endorse_task"])
    partner.radio(w["endorse"])
    partner.send()

    secretariat = Participant(browser, live_server, "sec_wang")
    speak(secretariat, language)
    page = secretariat.page
    page.goto(f"{live_server.url}/inbox/?tab=claimable")
    row = page.get_by_role("row", name=re.compile(w["review"]))
    assert w["process"] in row.inner_text()
    page.screenshot(path=str(SCREENSHOTS / f"inbox-{language}.png"), full_page=True)
    row.get_by_role("button", name=w["take"]).click()
    secretariat.open_task(w["review"])
    secretariat.radio(w["approve"])
    secretariat.send()

    with seeded() as session:
        case_id = session.scalar(select(Case.id).where(Case.business_key == f"TOR-{language.upper()}"))
    page.goto(f"{live_server.url}/cases/{case_id}")
    main = page.inner_text("main")
    assert w["case_data"] in main and w["process"] in main
    assert w["tourism"] in page.inner_text("#case-data")  # the code "tourism", shown by its label
    page.screenshot(path=str(SCREENSHOTS / f"case-page-{language}.png"), full_page=True)
