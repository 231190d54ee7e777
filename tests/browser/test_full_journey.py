"""One evaluation from an empty database (issue 13 item 8): only the organisations, the accounts and the built-in
indicator templates exist; everything else happens in the browser, by the people whose work it is.

The bureau commissions; the firm's 项目经理 registers the project, accepts, chooses the template and the period and
sets up the team; the unit fills a base table and uploads evidence; the team scores every leaf and writes the report;
three internal levels sign; the unit comments in 征求意见 and the team answers; the bureau returns once and, after the
team's fix went through the three levels again, approves; the unit rectifies and the bureau accepts. At each step
the test looks at what each party can and cannot see, and at the end the unit (and the bureau) crawl every page they
can reach: no internal review opinion, no change log, no consistency check."""

import datetime as dt
import io
import re

import pypdfium2
import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from evaluations.models import (
    Commission,
    Evaluation,
    EvaluationState,
    Organisation,
    OrganisationKind,
    User,
)
from evaluations.models.roles import Role
from evaluations.queries import access
from evaluations.sections import SECTIONS
from tests import crawl
from tests.browser.conftest import (
    fill_project_registration,
    focus_at_end,
    login,
    open_evaluation,
    workflow_step,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "journey-12345"
BUREAU, FIRM, UNIT = "江河市青山区财政局", "江河绩效评价咨询有限公司", "江河市青山区民政局"
REGION = "江河市青山区"
YEAR = 2025
PROJECT = "社区居家养老服务"
TEMPLATE = "项目支出绩效评价指标体系框架（财预〔2020〕10号 附2）（内置）"
HAND_OFF = 90_000  # ms: a hand-off renders the report it hands on before the page answers

# (username, 姓名, organisation, role, 专业资格或技术职称, 职务)
ACCOUNTS = (
    ("qs_bureau", "青山区财政局审核人", BUREAU, Role.BUREAU, "", ""),
    ("qs_unit", "青山区民政局联系人", UNIT, Role.UNIT, "", ""),
    ("pm", "周明远", FIRM, Role.EVALUATOR, "注册会计师", "项目经理"),
    ("audit1", "吴晓岚", FIRM, Role.INTERNAL_REVIEWER, "中级会计师", "项目组长"),
    ("audit2", "郑国栋", FIRM, Role.INTERNAL_REVIEWER, "注册会计师、资产评估师", "部门主任"),
    ("audit3", "冯清和", FIRM, Role.INTERNAL_REVIEWER, "注册会计师、工程师", "总经理"),
)

# Distinctive words each party types, to find them again where they must (not) be.
INTERNAL_OPINIONS = {
    1: "内部复核意见-甲：表1-1 明细已与项目资金情况表核对一致。",
    2: "内部复核意见-乙：计分依据与佐证材料相符。",
    3: "内部复核意见-丙：同意出具征求意见稿。",
}
INTERNAL_RETURN = "内部复核意见-退回：问题「服务对象覆盖不足」请补充覆盖率的测算口径。"
FUNDS_USE = (("助餐服务", "老年助餐补贴", "60.25"), ("上门探访", "上门探访服务费", "40"))
SECTION_TEXT = "评价小组依据项目资料、现场调研和访谈情况撰写本节。"
OLD_FINDING_TEXT = "初稿：个别长者尚未享受助餐。"  # replaced after the internal return: then only in the change log
FINDING_TEXT = "按街道上报的需求台账测算，部分行动不便的老人未纳入助餐服务范围，服务覆盖面有待扩大。"
UNIT_COMMENT = "未纳入的老人多已由子女照料，本人未申请助餐服务，请在问题中说明这一情况。"
TEAM_ANSWER = "已核实：问题中补充说明未申请的情况，覆盖面问题仍予保留。"
BUREAU_RETURN = "请在评价结论中回应服务覆盖面问题。"
BUREAU_ITEM = "评价结论未提及服务覆盖面，请补充。"
CONCLUSION_NOTE = "服务覆盖面仍需扩大，建议单位按需求排查台账逐户落实。"
APPROVAL = "同意该评价报告，评价结论为优。"
MEASURES = "已建立助餐服务需求排查台账，新增纳入行动不便的老人，台账见佐证材料。"
ACCEPTANCE = "整改措施已落实，材料齐全，验收通过。"
EXPERIENCE, FINDING, RECOMMENDATION = "三级联动服务机制运转顺畅", "服务对象覆盖不足", "扩大助餐服务覆盖面"
# What the 项目经理 enters for each leaf of the national framework.
CHECKLISTS = {  # indicator → the criteria met
    "立项依据充分性": [0, 1, 2, 3, 4],
    "立项程序规范性": [0, 1, 2],
    "绩效目标合理性": [0, 1, 2, 3],
    "绩效指标明确性": [0, 1],
    "预算编制科学性": [0, 1, 2, 3],
    "资金分配合理性": [0, 1],
    "资金使用合规性": [0, 1, 2, 3],
    "管理制度健全性": [0, 1],
    "制度执行有效性": [0, 1, 2, 3],
}
NUMBERS = {  # indicator → {form field: value}; 资金到位率 and 预算执行率 read their actual values from the tables
    "资金到位率": {"in-target": "100"},
    "预算执行率": {"in-target": "100"},
    "实际完成率": {"in-actual": "98", "in-target": "100"},
    "质量达标率": {"in-actual": "100", "in-target": "100"},
    "成本节约率": {"in-actual": "0"},
    "完成及时性": {"in-level": "达成", "in-share": "100"},
    "实施效益": {"in-level": "达成", "in-share": "90"},
    "满意度": {"in-satisfaction": "96"},
}
# The steps between organisations, the timeline the unit and the bureau read (internal review steps are the firm's).
HAND_OFFS = [
    "start_collecting",
    "start_scoring",
    "pass_review",  # the third level sends the draft out for comments
    "submit",
    "return",
    "pass_review",
    "submit",
    "approve",
    "start_rectification",
]
OUTLINE = "重点关注居家养老服务补贴发放的及时性和服务对象满意度。"


def _pdf(path) -> str:
    """A one-page PDF file a reader opens (the crawl reads every download, evidence included)."""
    document = pypdfium2.PdfDocument.new()
    document.new_page(595, 842)
    document.save(str(path))
    document.close()
    return str(path)


def _world() -> dict[str, User]:
    """The organisations and accounts an administrator sets up once, and the built-in templates (a command)."""
    call_command("load_templates", stdout=io.StringIO())
    orgs = {
        BUREAU: Organisation.objects.create(name=BUREAU, kind=OrganisationKind.BUREAU, region=REGION),
        FIRM: Organisation.objects.create(name=FIRM, kind=OrganisationKind.FIRM, region="江河市"),
        UNIT: Organisation.objects.create(name=UNIT, kind=OrganisationKind.UNIT, region=REGION),
    }
    users = {}
    for username, full_name, organisation, role, qualification, position in ACCOUNTS:
        user = User(
            username=username,
            full_name=full_name,
            organisation=orgs[organisation],
            qualification=qualification,
            position=position,
        )
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
        users[username] = user
    return users


def _as(page, username: str) -> None:
    """Log out whoever is logged in, log in as ``username``."""
    if not page.get_by_role("button", name="退出登录").count():
        page.goto("/")  # from a refusal's page: it has no menu
    if page.get_by_role("button", name="退出登录").count():
        page.get_by_role("button", name="退出登录").click()
        page.wait_for_url("**/accounts/login/")
    login(page, username, PASSWORD)


def _sign(page, username: str, decision: str, opinion: str, state_label: str) -> None:
    """A reviewer finds the evaluation in their queue (复核队列) and signs their level with an opinion."""
    _as(page, username)
    page.get_by_role("link", name="复核队列").click()
    page.wait_for_url("**/review/sign-off/")
    level = {"audit1": "一级审核", "audit2": "二级复核", "audit3": "三级审核"}[username]
    row = page.locator("#queue tbody tr").filter(has_text=level)
    expect(row).to_have_count(1)
    row.get_by_role("link", name="签署").click()
    page.wait_for_url("**/sign-off/")
    page.fill("#opinion", opinion)
    page.get_by_role("button", name=decision).click()
    page.wait_for_url("**/review/sign-off/")
    done = "通过" if decision == "复核通过" else "退回修改"
    expect(page.locator(".alert-success")).to_have_text(f"已签署{level}（{done}），评价现处于“{state_label}”。")
    expect(page.locator("#queue")).to_contain_text("目前没有等待您签署的评价")  # each signs one level


def _bureau_sees_no_internal_work(page, evaluation) -> None:
    """The bureau reads the report, the scores and who signed; not the firm's check, opinions or change log."""
    expect(page.locator("#consistency")).to_have_count(0)
    for opinion in (*INTERNAL_OPINIONS.values(), INTERNAL_RETURN):
        expect(page.locator("main")).not_to_contain_text(opinion)
    here = page.url
    page.goto(f"/evaluations/{evaluation.pk}/sign-off/")
    expect(page.locator("#signatures")).to_contain_text("（内部复核意见仅评价机构可见）")
    for opinion in (*INTERNAL_OPINIONS.values(), INTERNAL_RETURN):
        expect(page.locator("main")).not_to_contain_text(opinion)
    page.goto(f"/evaluations/{evaluation.pk}/audit/")
    expect(page.locator("main")).not_to_contain_text("修改记录")
    expect(page.locator("main")).not_to_contain_text("提交内部复核")
    page.goto(here)


def _crawl_every_page(user, evaluation) -> crawl.Crawl:
    """Every page, download and export the account reaches by links (tests.crawl), read as text: none holds an
    internal review opinion, the firm's change log or its consistency check."""
    client = Client()
    client.force_login(user)

    def allowed(path: str) -> bool:
        match = re.match(r"^/evaluations/(\d+)/", path)
        return match is None or int(match.group(1)) == evaluation.pk

    starts = ["/", reverse("inbox"), reverse("evaluation-list"), reverse("evaluation-detail", args=[evaluation.pk])]
    starts += [reverse("review-queue"), reverse("bureau-overview"), reverse("commission-list")]
    reached = crawl.crawl(client, starts, allowed)
    refused = [url for url, status in reached.statuses.items() if status == 403 and url not in starts]
    assert refused == []  # nothing offered is refused
    for kind in ("/tables/", "/evidence/", "/consultation/", "/rectification/", "/audit/", "/reports/", "/archive/"):
        assert any(kind in url for url in reached.texts), kind  # pages, downloads and the archive were read
    internal = [
        *INTERNAL_OPINIONS.values(),
        *(f"{opinion}（第二轮）" for opinion in INTERNAL_OPINIONS.values()),
        INTERNAL_RETURN,
        OLD_FINDING_TEXT,  # the change log's old words
        "一致性检查",
        "去修改 →",
        "去填写 →",
        "提交内部复核",
        "复核通过",
        "一级审核退回",
    ]
    leaks = {words: urls[:5] for words in internal if (urls := reached.containing(words))}
    assert leaks == {}
    return reached


def _score_every_leaf(page, evaluation) -> None:
    """The scoring page: each leaf's widget filled and saved (scoring.js saves without reloading)."""
    page.get_by_role("link", name="评分", exact=True).click()
    page.wait_for_url("**/scoring/")
    leaves = {node.name: node for node in evaluation.indicators.filter(children__isnull=True)}
    assert set(leaves) == set(CHECKLISTS) | set(NUMBERS)
    for name, leaf in leaves.items():
        row = page.locator(f"#indicator-{leaf.pk}")
        if name in CHECKLISTS:
            for index in CHECKLISTS[name]:
                row.locator(f"#met-{leaf.pk}-{index}").check()
        else:
            if name == "满意度":
                row.locator(f"label[for=in-survey-{leaf.pk}-1]").click()
            for field, value in NUMBERS[name].items():
                if field == "in-level":
                    row.locator(f"select[name={field}]").select_option(value)
                else:
                    row.locator(f"[name={field}]").fill(value)
        row.get_by_role("button", name="保存并计分").click()
        expect(row.locator("[data-form-status]")).to_contain_text(f"已保存「{name}」：得分")
    expect(page.locator("#score-summary [data-total]")).not_to_have_text("—")


def _write_every_section(page, evaluation) -> None:
    """Every required section of the outline, one after the other (保存并编辑下一节)."""
    required = [section for section in SECTIONS[evaluation.kind] if not section.optional]
    page.goto(f"/evaluations/{evaluation.pk}/narrative/sections/{required[0].key}/")
    for number, section in enumerate(required):
        page.wait_for_url(f"**/narrative/sections/{section.key}/")
        focus_at_end(page)
        page.keyboard.insert_text(f"{section.title}：{SECTION_TEXT}")
        last = number == len(required) - 1
        page.get_by_role("button", name="保存" if last else "保存并编辑下一节", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text(f"已保存「{required[-1].title}」")


def _write_findings(page, evaluation) -> None:
    """One experience, one finding, one recommendation (the lists the outline prints as chapters)."""
    page.goto(f"/evaluations/{evaluation.pk}/narrative/findings/")
    for kind, title, text in (
        ("experience", EXPERIENCE, "街道、社区和服务机构三级联动，服务需求当日响应。"),
        ("finding", FINDING, OLD_FINDING_TEXT),
        ("recommendation", RECOMMENDATION, "建立需求排查台账，将行动不便的老人纳入服务范围。"),
    ):
        form = page.locator(f"#list-{kind} form.item-form").last
        form.locator("input[name=title]").fill(title)
        form.locator("textarea[name=text]").fill(text)
        if kind == "recommendation":
            form.locator("select[name=finding]").select_option(label=f"1. {FINDING}")
        form.get_by_role("button", name="新增").click()
        expect(page.locator(f"#list-{kind}")).to_contain_text(title)


def _unit_sees_no_internal_work(page, evaluation) -> None:
    """On the evaluation page: no consistency check, no change log, no internal review step."""
    expect(page.locator("#consistency")).to_have_count(0)
    expect(page.locator("#workflow .card-header")).to_contain_text("流程记录")
    expect(page.locator("#workflow .card-header")).not_to_contain_text("修改记录")
    expect(page.locator("main")).not_to_contain_text("提交内部复核")
    for opinion in (*INTERNAL_OPINIONS.values(), INTERNAL_RETURN):
        expect(page.locator("main")).not_to_contain_text(opinion)


def test_one_evaluation_from_commission_to_accepted_rectification(page, tmp_path):
    users = _world()
    page.on("dialog", lambda dialog: dialog.accept())
    page.set_default_timeout(HAND_OFF)

    # --- 1. the bureau commissions ---------------------------------------------------------------------------
    _as(page, "qs_bureau")
    page.get_by_role("link", name="评价任务").first.click()
    page.get_by_role("link", name="＋ 下达评价任务").click()
    expect(page.locator("#id_evaluated_unit option")).to_have_text(["请选择被评价单位", UNIT])
    page.check("input[name=kind][value=project]")
    page.select_option("#id_evaluated_unit", label=UNIT)
    page.fill("#id_year", str(YEAR))
    page.select_option("#id_firm", label=FIRM)
    page.fill("#id_deadline", (dt.date.today() + dt.timedelta(days=60)).isoformat())
    page.fill("#id_outline", OUTLINE)
    page.get_by_role("button", name="下达评价任务").click()
    expect(page.locator("main")).to_contain_text("待接受")
    commission = Commission.objects.get()
    assert not Evaluation.objects.exists()

    # The unit has nothing yet: the commission is between the bureau and the firm.
    _as(page, "qs_unit")
    expect(page.locator("main")).not_to_contain_text(OUTLINE)
    assert page.goto(f"/commissions/{commission.pk}/").status in {403, 404}

    # --- 2. the firm's 项目经理: 待办 → register the project → accept → period → team ---------------------------
    _as(page, "pm")
    page.get_by_role("link", name="待办").click()
    page.wait_for_url("**/inbox/")
    page.get_by_role("link", name=re.compile(f"{YEAR} 年度{UNIT}项目支出绩效评价")).click()
    expect(page.locator("main")).to_contain_text(OUTLINE)
    page.get_by_role("link", name="接受并新建评价 →").click()
    page.get_by_role("link", name="登记项目及其子项目、预算数据 →").click()
    fill_project_registration(page, PROJECT)
    page.get_by_role("button", name="登记项目").click()
    page.wait_for_url("**/accept/**")
    assert page.locator("#id_project option:checked").inner_text() == PROJECT
    page.select_option("#id_template", label=TEMPLATE)
    page.fill("#id_period_start", f"{YEAR}-01-01")
    page.fill("#id_period_end", f"{YEAR + 1}-01-31")  # the December subsidies are paid in January
    page.get_by_role("button", name="接受并新建评价").click()
    page.wait_for_url("**/team/")
    expect(page.locator(".alert-success")).to_contain_text("已根据项目登记的预算数据预填")
    evaluation = Evaluation.objects.get()
    assert evaluation.state == EvaluationState.DRAFT and evaluation.project.name == PROJECT
    assert evaluation.title == f"{YEAR} 年度{PROJECT}项目支出绩效评价"  # not 「项目待定」: the project is known
    for username, level in (("audit1", "一级审核"), ("audit2", "二级复核"), ("audit3", "三级审核")):
        reviewer = users[username]
        account = f"{reviewer.full_name} · 内部复核 · {reviewer.qualification}（{username}）"
        page.select_option("#id_user", label=account)
        page.select_option("#id_role", label=level)
        expect(page.locator("#id_name")).to_have_value(reviewer.full_name)  # from the account's profile
        page.get_by_role("button", name="添加成员").click()
        expect(page.locator("#review-levels")).to_contain_text(f"{level} {reviewer.full_name}")
    expect(page.locator("#missing-levels")).to_have_count(0)
    page.get_by_role("link", name="概览", exact=True).click()
    workflow_step(page, "开始数据采集", "数据采集")
    expect(page.locator("#consistency")).to_be_visible()  # the firm's quality control

    # --- 3. the unit: its 待办, the table it fills, the evidence it uploads ---------------------------------------
    _as(page, "qs_unit")
    page.get_by_role("link", name="待办").click()
    page.wait_for_url("**/inbox/")
    expect(page.locator("#inbox")).to_contain_text("请填报基础数据采集表并上传佐证材料。")
    page.locator("#inbox").get_by_role("link", name=evaluation.title).click()
    page.wait_for_url(f"**/evaluations/{evaluation.pk}/")
    _unit_sees_no_internal_work(page, evaluation)
    expect(page.locator(".workspace-nav")).not_to_contain_text("评分")  # no scores before 征求意见
    expect(page.locator("main")).to_contain_text("评分和报告草稿在评价小组征求意见后向被评价单位开放。")
    assert page.goto(f"/evaluations/{evaluation.pk}/scoring/").status in {403, 404}
    page.goto(f"/evaluations/{evaluation.pk}/")
    page.get_by_role("link", name="基础数据", exact=True).click()
    page.get_by_role("link", name="项目资金使用情况表", exact=True).click()
    page.wait_for_url("**/tables/funds_use/")
    expect(page.locator("#table-form")).to_be_visible()  # an empty table opens to be filled
    rows = page.locator("#table-rows tr.data-row")
    for number, (category, item, amount) in enumerate(FUNDS_USE):
        if number:
            page.locator("#table-form").get_by_role("button", name="＋ 添加一行").click()
        rows.nth(number).locator("[name=c-category]").fill(category)
        rows.nth(number).locator("[name=c-item]").fill(item)
        rows.nth(number).locator("[name=c-amount]").fill(amount)
    expect(page.locator('[data-total-for="amount"]')).to_have_text("100.25")
    page.locator("#table-form").get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("项目资金使用情况表已保存")
    expect(page.locator("main")).to_contain_text("助餐服务")
    expect(page.locator("#table-problems")).to_have_count(0)  # agrees with 项目资金情况表
    expect(page.locator("main")).not_to_contain_text("得分")  # the derived figures, not the scores

    page.get_by_role("link", name="佐证材料", exact=True).click()
    page.wait_for_url("**/evidence/")
    page.set_input_files("#upload-files", _pdf(tmp_path / "居家养老服务补贴发放明细.pdf"))
    page.fill("#upload-description", "2025 年居家养老服务补贴发放明细（盖章版）")
    page.check("#table-funds_use")
    page.locator("#upload").get_by_role("button", name="上传").click()
    expect(page.locator(".alert-success")).to_contain_text("已上传 1 个文件：「居家养老服务补贴发放明细.pdf」。")
    page.get_by_role("tab", name=re.compile("已上传材料")).click()  # the unit lands on the list of what to provide
    expect(page.locator("#tab-files")).to_contain_text("居家养老服务补贴发放明细.pdf")
    item = evaluation.evidence.get()
    assert [table.key for table in item.tables.all()] == ["funds_use"] and item.uploaded_by == users["qs_unit"]

    # --- 4. the team scores every leaf and writes the report --------------------------------------------------
    _as(page, "pm")
    open_evaluation(page, evaluation)
    expect(page.locator("#workflow .timeline")).to_contain_text("周明远 开始数据采集")
    workflow_step(page, "开始评分", "评分")
    page.get_by_role("link", name="佐证材料", exact=True).click()
    expect(page.locator(f"#evidence-{item.pk}")).to_contain_text("青山区民政局联系人")  # the unit's upload
    _score_every_leaf(page, evaluation)
    _write_every_section(page, evaluation)
    _write_findings(page, evaluation)
    open_evaluation(page, evaluation)
    expect(page.locator("#consistency")).to_contain_text("未发现问题")
    total = Evaluation.objects.get().total_score
    assert total is not None and Evaluation.objects.get().grade == "优"

    # --- 5. internal review: 一级审核 returns once from the queue, then three levels sign ---------------------------
    workflow_step(page, "提交内部复核", "内部复核")
    expect(page.locator("#workflow .card-header")).to_contain_text("（一级审核）")
    _as(page, "audit2")  # not yet the second level's turn
    page.get_by_role("link", name="复核队列").click()
    expect(page.locator("#queue")).to_contain_text("目前没有等待您签署的评价")
    _sign(page, "audit1", "退回修改", INTERNAL_RETURN, "评分")
    _as(page, "pm")
    page.get_by_role("link", name="待办").click()
    expect(page.locator("#inbox")).to_contain_text("一级审核 吴晓岚 退回修改，请修改后重新提交内部复核。")
    expect(page.locator("#inbox")).to_contain_text(INTERNAL_RETURN)
    page.goto(f"/evaluations/{evaluation.pk}/narrative/findings/")
    finding = page.locator("#list-finding .item-card").filter(has_text=FINDING)
    finding.locator("details.item-edit > summary").click()
    finding.locator("textarea[name=text]").fill(FINDING_TEXT)
    finding.get_by_role("button", name="保存").click()
    expect(page.locator("#list-finding")).to_contain_text("按街道上报的需求台账测算")
    open_evaluation(page, evaluation)
    workflow_step(page, "提交内部复核", "内部复核")

    # The unit, meanwhile: the evaluation is with the firm; nothing of its internal review reaches the unit.
    _as(page, "qs_unit")
    open_evaluation(page, evaluation)
    _unit_sees_no_internal_work(page, evaluation)
    expect(page.locator("#workflow .timeline")).not_to_contain_text("退回")
    assert page.goto(f"/evaluations/{evaluation.pk}/sign-off/").status in {403, 404}
    _as(page, "qs_bureau")  # the bureau neither: no scores or drafts before they are shared
    open_evaluation(page, evaluation)
    expect(page.locator(".workspace-nav")).not_to_contain_text("评分")
    expect(page.locator("#consistency")).to_have_count(0)
    assert page.goto(f"/evaluations/{evaluation.pk}/scoring/").status in {403, 404}
    assert page.goto(f"/evaluations/{evaluation.pk}/review/").status == 200
    expect(page.locator("main")).not_to_contain_text(INTERNAL_RETURN)

    for level in (1, 2, 3):
        state = "征求意见" if level == 3 else "内部复核"
        _sign(page, f"audit{level}", "复核通过", INTERNAL_OPINIONS[level], state)
    expect(page.locator("#signed")).to_contain_text(INTERNAL_OPINIONS[3])
    page.goto(f"/evaluations/{evaluation.pk}/sign-off/")
    signatures = page.locator("#signatures tbody tr")
    expect(signatures).to_have_count(4)  # the return and the three passes, with their opinions for the firm
    for opinion in (INTERNAL_RETURN, *INTERNAL_OPINIONS.values()):
        expect(page.locator("#signatures")).to_contain_text(opinion)

    # --- 6. 征求意见: the unit reads the draft and comments; the team answers --------------------------------------
    _as(page, "qs_unit")
    page.get_by_role("link", name="待办").click()
    expect(page.locator("#inbox")).to_contain_text("征求意见：请审阅评价报告初稿和问题清单并提出意见。")
    page.locator("#inbox").get_by_role("link", name=evaluation.title).click()
    _unit_sees_no_internal_work(page, evaluation)
    expect(page.locator("main")).to_contain_text(f"总分 {total}")  # the draft's scores, shared now
    expect(page.locator("#workflow .timeline")).to_contain_text("冯清和 发出征求意见稿：内部复核 → 征求意见")
    page.locator("#workflow").get_by_role("link", name="征求意见").click()
    page.wait_for_url("**/consultation/")
    page.select_option("#target", label=FINDING)
    page.fill("#text", UNIT_COMMENT)
    page.get_by_role("button", name="提交意见").click()
    expect(page.locator(".alert-success")).to_have_text("意见已提交，评价小组将逐条答复。")

    _as(page, "pm")
    open_evaluation(page, evaluation)
    page.locator("#workflow").get_by_role("link", name="征求意见（1 条待答复）").click()
    page.wait_for_url("**/consultation/")
    page.select_option("select[name=decision]", label="采纳")
    page.fill("input[name=reason]", TEAM_ANSWER)
    page.get_by_role("button", name="答复").click()
    expect(page.locator(".alert-success")).to_have_text("已答复。")

    _as(page, "qs_unit")
    page.goto(f"/evaluations/{evaluation.pk}/consultation/")
    expect(page.locator("tbody")).to_contain_text(TEAM_ANSWER)
    expect(page.locator("main")).not_to_contain_text(INTERNAL_RETURN)

    # --- 7. the bureau returns once, the team fixes it (three levels again), the bureau approves -----------------
    _as(page, "pm")
    open_evaluation(page, evaluation)
    workflow_step(page, "提交财政局审核", "已提交")
    _as(page, "qs_bureau")
    page.get_by_role("link", name="待办").click()
    expect(page.locator("#inbox")).to_contain_text("已提交，待您审核。")
    page.get_by_role("link", name="审核队列").click()
    page.wait_for_url("**/review/")
    page.get_by_role("link", name=evaluation.title).click()
    page.wait_for_url(f"**/evaluations/{evaluation.pk}/review/")
    _bureau_sees_no_internal_work(page, evaluation)
    expect(page.locator("#levels")).to_contain_text("三级审核：冯清和 于")  # who signed, not what they wrote
    page.fill("#comment", BUREAU_RETURN)
    page.locator("select[name=item_target]").first.select_option(value="section-conclusion")
    page.locator("input[name=item_text]").first.fill(BUREAU_ITEM)
    page.get_by_role("button", name="退回评价小组修改").click()
    page.wait_for_url("**/review/")
    expect(page.locator(".alert-success")).to_have_text("已退回评价小组修改，审核意见将显示在相应章节和指标处。")

    _as(page, "qs_unit")  # the unit reads the bureau's return: a hand-off between organisations
    open_evaluation(page, evaluation)
    expect(page.locator("#workflow .timeline")).to_contain_text(BUREAU_RETURN)
    _unit_sees_no_internal_work(page, evaluation)

    _as(page, "pm")
    page.get_by_role("link", name="待办").click()
    expect(page.locator("#inbox")).to_contain_text(BUREAU_RETURN)
    open_evaluation(page, evaluation)
    expect(page.locator("#workflow .alert-warning")).to_contain_text(f"章节「评价结论」：{BUREAU_ITEM}")
    page.goto(f"/evaluations/{evaluation.pk}/narrative/sections/conclusion/")
    focus_at_end(page)
    page.keyboard.press("Enter")
    page.keyboard.insert_text(CONCLUSION_NOTE)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".alert-success")).to_have_text("已保存「评价结论」。")
    open_evaluation(page, evaluation)
    workflow_step(page, "提交内部复核", "内部复核")
    for level in (1, 2, 3):
        state = "征求意见" if level == 3 else "内部复核"
        _sign(page, f"audit{level}", "复核通过", f"{INTERNAL_OPINIONS[level]}（第二轮）", state)
    _as(page, "pm")
    open_evaluation(page, evaluation)
    workflow_step(page, "提交财政局审核", "已提交")

    _as(page, "qs_bureau")
    page.get_by_role("link", name="审核队列").click()
    page.get_by_role("link", name=evaluation.title).click()
    page.wait_for_url(f"**/evaluations/{evaluation.pk}/review/")
    expect(page.locator("#review-changes")).to_contain_text("评价结论")
    _bureau_sees_no_internal_work(page, evaluation)
    page.get_by_role("link", name="批准", exact=True).click()
    page.wait_for_url(f"**/evaluations/{evaluation.pk}/approve/")
    expect(page.locator("main")).not_to_contain_text(INTERNAL_OPINIONS[3])
    page.fill("#id_opinion", APPROVAL)
    page.check("#id_confirm")
    page.get_by_role("button", name="确认批准").click()
    page.wait_for_url(f"**/evaluations/{evaluation.pk}/")
    expect(page.locator(".alert-success")).to_have_text("已批准，评价现处于“已批准”。最终报告正在生成。")
    expect(page.locator("#workflow .timeline")).to_contain_text(f"“{APPROVAL}”")

    # --- 8. rectification: the unit reports, the bureau accepts ---------------------------------------------------
    workflow_step(page, "进入整改跟踪", "整改跟踪")
    _as(page, "qs_unit")
    page.get_by_role("link", name="待办").click()
    expect(page.locator("#inbox")).to_contain_text("1 项整改事项待报送")
    page.locator("#inbox").get_by_role("link", name=evaluation.title).click()
    page.get_by_role("link", name=FINDING).click()
    expect(page.get_by_text(RECOMMENDATION)).to_be_visible()  # the recommendation beside its finding
    expect(page.get_by_role("button", name="验收通过")).to_have_count(0)
    page.fill("#measures", MEASURES)
    page.set_input_files("#files", _pdf(tmp_path / "助餐服务需求排查台账.pdf"))
    page.get_by_role("button", name="提交验收").click()
    expect(page.locator(".alert-success")).to_have_text("已提交验收，等待财政局验收。")
    expect(page.locator("#history")).to_contain_text("助餐服务需求排查台账.pdf")

    _as(page, "qs_bureau")
    page.get_by_role("link", name="待办").click()
    expect(page.locator("#inbox")).to_contain_text("1 项整改事项待验收")
    page.locator("#inbox").get_by_role("link", name=evaluation.title).click()
    page.get_by_role("link", name=FINDING).click()
    expect(page.locator("#report")).to_contain_text(MEASURES)
    expect(page.locator("#measures")).to_have_count(0)  # the bureau does not edit the unit's report
    page.fill("#decide-comment", ACCEPTANCE)
    page.get_by_role("button", name="验收通过").click()
    expect(page.locator(".alert-success")).to_have_text("已验收通过。")
    expect(page.locator("#history")).to_contain_text(ACCEPTANCE)

    # --- the record: the firm reads its internal texts; the unit, crawling everything it can reach, never does ----
    evaluation.refresh_from_db()
    assert evaluation.state == EvaluationState.RECTIFICATION and evaluation.total_score == total
    assert evaluation.rectification_items.get().get_status_display() == "已验收"
    _as(page, "pm")
    page.goto(f"/evaluations/{evaluation.pk}/audit/?part=正文")
    expect(page.locator("main")).to_contain_text(OLD_FINDING_TEXT.removeprefix("初稿："))
    page.goto(f"/evaluations/{evaluation.pk}/audit/?part=流程")
    expect(page.locator("main")).to_contain_text(INTERNAL_RETURN)

    _as(page, "qs_unit")
    open_evaluation(page, evaluation)
    page.locator("#workflow").get_by_role("link", name="流程记录").click()
    page.wait_for_url(f"**/evaluations/{evaluation.pk}/audit/")
    hand_offs = [step for step in evaluation.state_changes.order_by("created_at", "pk") if access.is_hand_off(step)]
    assert [step.transition for step in hand_offs] == HAND_OFFS
    rows = page.locator("#timeline tbody tr")
    expect(rows).to_have_count(len(hand_offs))
    expect(rows.nth(HAND_OFFS.index("return"))).to_contain_text(BUREAU_RETURN)
    expect(rows.nth(HAND_OFFS.index("approve"))).to_contain_text(APPROVAL)
    expect(page.locator("main")).not_to_contain_text("提交内部复核")
    reached = _crawl_every_page(users["qs_unit"], evaluation)
    for words in (UNIT_COMMENT, TEAM_ANSWER, BUREAU_RETURN, APPROVAL, MEASURES, ACCEPTANCE, FINDING_TEXT):
        assert reached.containing(words), words  # what was handed to the unit, it reads: the crawl reads them all
    reached = _crawl_every_page(users["qs_bureau"], evaluation)  # the bureau reads no more of the firm's work
    assert reached.containing(BUREAU_ITEM) and reached.containing(UNIT_COMMENT)
