import pytest

from evaluations.demo import load_demo
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_each_demo_account_logs_in_and_sees_its_own_evaluations(page):
    load_demo()
    login(page, "unit")
    body = page.inner_text("main")
    assert "2022 年度罗庄区民政局部门整体绩效评价" in body
    assert "困难群体救助" not in body
    page.click("text=退出登录")
    login(page, "evaluator")
    assert "困难群体救助" in page.inner_text("main")
    page.click("text=2022 年度罗庄区民政局部门整体绩效评价")
    assert "91.87" in page.inner_text("main")
