"""An explained exception through review, in the browser: the evaluator meets a true fact the check calls an error
(a payment of the year made the next January), writes a 说明 instead of changing the date, submits to internal
review; the reviewer accepts it with a comment; the check then lists it as 已说明 and no longer blocks."""

import pytest
from playwright.sync_api import expect

from evaluations.domain.datatables import save_table
from evaluations.domain.workflow import perform
from evaluations.models import Explanation, ExplanationStatus, OrganisationKind, TeamRole
from evaluations.models.roles import Role
from tests.browser.conftest import login
from tests.factories import (
    EvaluationFactory,
    OrganisationFactory,
    TeamMemberFactory,
    UserFactory,
    complete_report,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TRUE_FACT = "春节慰问金按上级通知于次年 1 月 20 日集中发放，属 2023 年度预算，日期属实。"


def _evaluation():
    firm = OrganisationFactory(name="评价机构甲", kind=OrganisationKind.FIRM, review_levels=1)
    evaluation = EvaluationFactory(kind="project", title="困难群体救助项目支出绩效评价", evaluating_firm=firm)
    evaluator = UserFactory(username="pm", organisation=firm, role=Role.EVALUATOR)
    reviewer = UserFactory(username="checker", organisation=firm, role=Role.INTERNAL_REVIEWER)
    TeamMemberFactory(evaluation=evaluation, user=evaluator, role=TeamRole.MANAGER)
    TeamMemberFactory(evaluation=evaluation, user=reviewer, role=TeamRole.REVIEW_1)
    complete_report(evaluation)
    row = {"category": "节日慰问金", "item": "春节慰问金", "recipient": "福利机构", "paid_on": "2024-01-20"}
    save_table(evaluation=evaluation, key="disbursements", rows=[{**row, "recipients": "7", "amount": "36"}])
    for step in ("start_collecting", "start_scoring"):
        perform(evaluation, step, user=evaluator)
    return evaluation


def test_an_exception_is_explained_and_accepted_through_review(page):
    evaluation = _evaluation()
    login(page, "pm", "pw-12345")
    page.goto(f"/evaluations/{evaluation.pk}/")
    error = page.locator(".check-errors li").filter(has_text="发放日期 2024年1月20日 不在评价期间")
    error.get_by_role("link", name="数据属实？写说明").click()
    page.get_by_label("说明（为什么数据无需修改）").fill(TRUE_FACT)
    page.get_by_role("button", name="保存说明").click()
    expect(page.locator(".alert-success")).to_contain_text("说明已保存")
    expect(page.locator(".card").filter(has_text=TRUE_FACT).locator(".badge")).to_have_text("待复核")
    page.goto(f"/evaluations/{evaluation.pk}/")
    page.get_by_role("button", name="提交内部复核").click()
    page.get_by_role("button", name="退出登录").click()

    login(page, "checker", "pw-12345")
    page.goto(f"/evaluations/{evaluation.pk}/explanations/")
    card = page.locator(".card").filter(has_text=TRUE_FACT)
    card.get_by_placeholder("复核意见（不认可时必填）").fill("已核对上级通知，属实。")
    card.get_by_role("button", name="认可", exact=True).click()
    expect(page.locator(".card").filter(has_text=TRUE_FACT).locator(".badge")).to_have_text("已认可")
    expect(page.locator(".card").filter(has_text=TRUE_FACT)).to_contain_text("意见：已核对上级通知，属实。")
    page.goto(f"/evaluations/{evaluation.pk}/")
    expect(page.locator(".check-counts")).to_contain_text("已说明 1")
    expect(page.locator(".check-errors")).to_have_count(0)
    explanation = Explanation.objects.get(evaluation=evaluation)
    assert explanation.status == ExplanationStatus.ACCEPTED and explanation.decided_by.username == "checker"
