"""Setup without admin, in the browser (issue 13, must have 1): the bureau commissions a project evaluation and
leaves the project to the firm; the firm's evaluator registers the project with its sub-items and budget from the
acceptance page, comes back to it, accepts, and finds 表3-2 prefilled; on 新建评价 the project choice follows
the unit."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from evaluations.demo import load_demo
from evaluations.models import Commission, CommissionState
from tests.browser.conftest import fill_project_registration, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bureau_commissions_and_the_firm_registers_the_project_and_accepts(page):
    load_demo()
    login(page, "bureau_luohu")
    page.click("a.nav-link:has-text('评价任务')")
    page.click("text=＋ 下达评价任务")
    # to_have_text waits for the form; all_inner_texts() would read a page still loading (CI saw [])
    expect(page.locator("#id_evaluated_unit option")).to_have_text(["请选择被评价单位", "深圳市罗湖区民政局"])
    page.check("input[name=kind][value=project]")
    page.select_option("#id_evaluated_unit", label="深圳市罗湖区民政局")
    page.fill("#id_year", "2026")
    page.fill("#id_deadline", "2020-01-01")
    page.click("button:has-text('下达评价任务')")
    errors = page.inner_text("main")
    assert "请选择承担评价的评价机构。" in errors and "已经过去" in errors
    assert not Commission.objects.exists()
    page.select_option("#id_firm", label="山东鲁昶项目管理咨询有限公司")
    page.fill("#id_deadline", (dt.date.today() + dt.timedelta(days=60)).isoformat())
    page.fill("#id_outline", "重点关注资金发放及时性。")
    page.click("button:has-text('下达评价任务')")
    assert "待接受" in page.inner_text("main")

    page.click("text=退出登录")
    login(page, "evaluator")
    page.click("a.nav-link:has-text('待办')")
    page.click("text=2026 年度深圳市罗湖区民政局项目支出绩效评价（项目待定）")
    page.click("text=接受并新建评价 →")
    page.click("text=登记项目及其子项目、预算数据 →")
    assert page.input_value("#id_unit") != ""  # the commission's unit, carried over
    fill_project_registration(page, "社区养老服务")
    page.click("button:has-text('登记项目')")
    page.wait_for_url("**/accept/**")
    assert page.locator("#id_project option:checked").inner_text() == "社区养老服务"
    page.select_option("#id_template", index=1)
    page.click("button:has-text('接受并新建评价')")
    page.wait_for_url("**/team/")
    assert "预算编制情况表" in page.inner_text("main")
    page.click("a.nav-link:has-text('基础数据')")
    page.click("text=预算编制情况表")
    table = page.inner_text("main")
    assert "助餐服务" in table and "70.50" in table and "110.50" in table  # 合计 of 指标金额
    assert Commission.objects.get().state == CommissionState.ACCEPTED

    page.goto("/evaluations/new/")
    expect(page.locator("#id_evaluated_unit")).to_be_visible()
    page.select_option("#id_evaluated_unit", label="深圳市罗湖区民政局")
    shown = page.locator("#id_project option:not([hidden])").all_inner_texts()
    assert "社区养老服务" in shown and "困难群体救助" in shown and "社会救助经费" not in shown
    page.select_option("#id_evaluated_unit", label="临沂市罗庄区民政局")
    shown = page.locator("#id_project option:not([hidden])").all_inner_texts()
    assert "社会救助经费" in shown and "社区养老服务" not in shown
