"""Rectification with acceptance in the browser: the unit reports with a file and submits, the bureau sends it
back with a comment, the unit answers and submits again, the bureau accepts; each side finds its work in its
待办; then the bureau's overview counts the evaluation and downloads the table behind a chart."""

import pytest
from playwright.sync_api import expect

from evaluations.domain.workflow import perform
from tests.browser.conftest import login
from tests.factories import complete_report, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-12345"  # tests.factories.UserFactory
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _as(page, user) -> None:
    if page.get_by_role("button", name="退出登录").count():
        page.get_by_role("button", name="退出登录").click()
        page.wait_for_url("**/accounts/login/")
    login(page, user.username, PASSWORD)


def test_the_unit_reports_the_bureau_returns_then_accepts(page, world, tmp_path):
    evaluation = world["a"]
    finding = evaluation.findings.create(title="项目未进行满意度调查", text="全年未开展满意度调查。", order=1)
    evaluation.recommendations.create(title="开展满意度调查工作", finding=finding)
    complete_report(evaluation)
    walk(world, "start_collecting", "start_scoring", "submit_review", "pass_review", "submit", "approve")
    perform(evaluation, "start_rectification", user=world["bureau_a"])
    page.on("dialog", lambda dialog: dialog.accept())  # the 提交验收 / 验收通过 confirmations
    report = tmp_path / "满意度调查报告.pdf"
    report.write_bytes(PDF)

    _as(page, world["unit_a"])
    page.goto("/inbox/")
    page.get_by_role("link", name=evaluation.title).click()
    expect(page.get_by_role("heading", name="甲区民政局部门整体绩效评价")).to_be_visible()
    page.get_by_role("link", name="项目未进行满意度调查").click()
    expect(page.get_by_text("开展满意度调查工作")).to_be_visible()  # the recommendation beside its finding
    expect(page.get_by_role("button", name="验收通过")).to_have_count(0)
    page.fill("#measures", "已委托第三方开展满意度调查，满意度 93.6%。")
    page.set_input_files("#files", str(report))
    page.get_by_role("button", name="提交验收").click()
    expect(page.locator(".alert-success")).to_have_text("已提交验收，等待财政局验收。")
    expect(page.locator("#history")).to_contain_text("满意度调查报告.pdf")
    expect(page.locator("#measures")).to_have_count(0)  # waiting for the bureau: nothing to edit

    _as(page, world["bureau_a"])
    page.goto("/inbox/")
    expect(page.locator(".list-group")).to_contain_text("1 项整改事项待验收")
    page.get_by_role("link", name=evaluation.title).click()
    page.get_by_role("link", name="项目未进行满意度调查").click()
    expect(page.locator("#measures")).to_have_count(0)  # the bureau does not edit the unit's report
    page.get_by_role("button", name="退回整改").click()
    expect(page.locator(".alert-danger")).to_have_text("退回整改必须填写意见，说明还需整改或补充的内容。")
    page.fill("#decide-comment", "请补充调查问卷样本。")
    page.get_by_role("button", name="退回整改").click()
    expect(page.locator(".alert-success")).to_contain_text("已退回整改")

    _as(page, world["unit_a"])
    page.goto("/inbox/")
    expect(page.locator(".list-group")).to_contain_text("其中被退回 1 项")
    page.get_by_role("link", name=evaluation.title).click()
    page.get_by_role("link", name="项目未进行满意度调查").click()
    expect(page.locator(".alert-warning")).to_contain_text("请补充调查问卷样本。")
    page.fill("#measures", "已委托第三方开展满意度调查，满意度 93.6%；问卷样本见原报告附录。")
    page.get_by_role("button", name="提交验收").click()
    expect(page.locator(".alert-success")).to_have_text("已提交验收，等待财政局验收。")

    _as(page, world["bureau_a"])
    page.goto(f"/evaluations/{evaluation.pk}/rectification/")
    page.get_by_role("link", name="验收", exact=True).click()
    page.fill("#decide-comment", "材料齐全，验收通过。")
    page.get_by_role("button", name="验收通过").click()
    expect(page.locator(".alert-success")).to_have_text("已验收通过。")
    history = page.locator("#history .list-group-item")
    expect(history).to_have_count(4)
    expect(history.nth(3)).to_contain_text("验收通过")

    page.goto("/overview/")
    expect(page.locator("#summary")).to_contain_text("已批准 1 项")
    with page.expect_download() as download:
        page.locator("#grades").get_by_role("link", name="CSV").click()
    rows = download.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert rows[0] == "评价等级,评价数,平均总分" and len(rows) == 2
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
