"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against the live test server.

The Playwright package's driver is used, but not its own browser download (no internet on the machines).
"""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
EDITOR = ".prose-editor .ProseMirror[contenteditable=true]"  # the packaged rich-text editor (django-prose-editor)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM):
        pytest.fail("缺少 Debian 的 chromium：请运行 scripts/test.sh（它会安装浏览器测试所需的软件包）。")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server, request):
    context = chromium.new_context(viewport={"width": 1400, "height": 950}, locale="zh-CN", base_url=live_server.url)
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def login(page, username: str, password: str = "demo12345") -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def open_evaluation(page, evaluation) -> None:
    page.goto(f"/evaluations/{evaluation.pk}/")
    expect(page.locator("#workflow")).to_be_visible()


def workflow_step(page, label: str, state_label: str) -> None:
    """Click a workflow button on the evaluation page and see the new state."""
    page.locator("#workflow").get_by_role("button", name=label, exact=True).click()
    expect(page.locator(".alert-success")).to_have_text(f"已执行“{label}”，评价现处于“{state_label}”。")
    expect(page.locator("#workflow .card-header")).to_contain_text(f"当前状态：{state_label}")


def fill_project_registration(page, name: str) -> None:
    """The project form: its name, the year's budget figures (万元) and two sub-items with their budgets."""
    page.fill("#id_name", name)
    page.fill("input[name='totals-0-initial_budget']", "120")
    page.fill("input[name='totals-0-adjusted_budget']", "110.5")
    page.fill("input[name='totals-0-funds_received']", "110.5")
    page.fill("input[name='totals-0-actual_expenditure']", "100.25")
    page.fill("input[name='items-0-name']", "助餐服务")
    page.fill("input[name='items-0-initial_budget']", "80")
    page.fill("input[name='items-0-adjusted_budget']", "70.5")
    page.fill("input[name='items-1-name']", "上门探访")
    page.fill("input[name='items-1-initial_budget']", "40")
    page.fill("input[name='items-1-adjusted_budget']", "40")


def focus_at_end(page) -> None:
    """Put the caret at the end of the rich-text editor (through the editor: a click's own selection sync may
    land after the keys that follow), and wait until it has the focus."""
    # polled from here: the page's CSP forbids the eval that Playwright's wait_for_function uses
    for _ in range(300):
        if page.evaluate(f"!!(document.querySelector('{EDITOR}') && document.querySelector('{EDITOR}').editor)"):
            break
        page.wait_for_timeout(50)
    page.evaluate(f"document.querySelector('{EDITOR}').editor.commands.focus('end')")
    expect(page.locator(EDITOR)).to_be_focused()
