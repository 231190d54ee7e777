"""The report text: sections, per-indicator analysis (and its draft), findings/recommendations/experiences."""

from __future__ import annotations

from decimal import Decimal
from html import escape

import pytest
from django.urls import reverse

from evaluations.domain import narrative as service
from evaluations.domain.locking import StaleObjectError
from evaluations.models import (
    EvaluationIndicator,
    EvaluationState,
    Experience,
    Finding,
    NarrativeSection,
    Recommendation,
)
from evaluations.queries import narrative as narrative_reads
from tests.factories import EvaluationIndicatorFactory

# --- the heading printed before each analysis (drafting itself: tests/test_analysis_drafts.py) -----------------


def leaf(**values) -> EvaluationIndicator:
    return EvaluationIndicator(**{"weight": Decimal(2), **values})


def test_the_heading_sentence_comes_from_the_score():
    assert (
        narrative_reads.analysis_heading(leaf(name="预算完成率", computed_score=Decimal("1.87")))
        == "预算完成率：权重分为 2 分，实际得分为 1.87 分。"
    )
    assert narrative_reads.analysis_heading(leaf(name="新指标")) == "新指标：权重分为 2 分，尚未计分。"
    node = leaf(name="资源配置", weight=Decimal(8))
    assert (
        narrative_reads.analysis_heading(node, leaf=False, score=Decimal("6.59"))
        == "资源配置指标分值为 8 分，实际得分 6.59 分，得分率为 82.38%。"
    )


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("rescale", "婚姻登记：权重分为 2 分，本指标不适用于本次评价，不计分。"),
        ("full", "婚姻登记：权重分为 2 分，实际得分为 2 分。"),  # 不适用 counts with its weight
    ],
)
def test_the_heading_of_a_not_applicable_leaf_follows_the_policy(world, policy, expected):
    evaluation = world["a"]
    evaluation.na_policy = policy
    node = leaf(name="婚姻登记", evaluation=evaluation, inputs={"not_applicable": True})
    node.computed_score = Decimal(2) if policy == "full" else None
    assert narrative_reads.analysis_heading(node) == expected


# --- sections -----------------------------------------------------------------------------------------


def test_a_section_is_created_on_first_save_then_versioned(world):
    evaluation = world["a"]  # a department evaluation
    first = service.save_section(
        evaluation=evaluation, key="dept_overview", text="罗庄区民政局……\r\n", expected_version=0
    )
    assert (first.text, first.version) == ("<p>罗庄区民政局……</p>", 1)  # plain text: one paragraph a line
    second = service.save_section(evaluation=evaluation, key="dept_overview", text="改写", expected_version=1)
    assert second.version == 2
    with pytest.raises(StaleObjectError) as info:
        service.save_section(evaluation=evaluation, key="dept_overview", text="旧版本上的修改", expected_version=1)
    message = service.conflict_message(info.value, "部门情况")
    assert message.startswith("「部门情况」已被他人修改（您打开的是版本 1，当前为版本 2）：「正文」现为“改写”。")
    assert NarrativeSection.objects.get(evaluation=evaluation, key="dept_overview").text == "<p>改写</p>"  # kept
    with pytest.raises(StaleObjectError):  # two people writing a new section at the same time
        service.save_section(evaluation=evaluation, key="dept_overview", text="另一人的初稿", expected_version=0)
    with pytest.raises(service.NarrativeInputError):
        service.save_section(evaluation=evaluation, key="background", text="项目的章节", expected_version=0)


def test_the_outline_follows_the_kind(world):
    blocks = narrative_reads.report_blocks(world["a"])
    titles = [block.title for block in blocks]
    assert titles[:4] == [
        "一、部门基本情况",
        "二、绩效评价工作开展情况",
        "三、部门整体绩效评价指标体系",
        "四、评价结论及绩效分析",
    ]
    assert titles[4] == "五、主要经验及做法、存在的问题及建议" and titles[-1] == "六、其他需要说明的问题"
    assert [group.kind for group in blocks[4].items] == ["experience", "finding", "recommendation"]
    assert blocks[3].analysis and not blocks[0].analysis
    world["b"].kind = "project"
    titles = [block.title for block in narrative_reads.report_blocks(world["b"])]
    assert titles[3:7] == [
        "三、综合评价结论与指标分析",
        "四、主要经验及做法",
        "五、存在的问题",
        "六、相关建议和整改措施",
    ]


# --- findings, recommendations, experiences ----------------------------------------------------------------


@pytest.fixture
def tree(world):
    evaluation = world["a"]
    root = EvaluationIndicatorFactory(evaluation=evaluation, name="资源配置", weight=100, order=1)
    full = EvaluationIndicatorFactory(
        evaluation=evaluation, parent=root, name="决策程序规范性", weight=50, computed_score=50, order=1
    )
    lost = EvaluationIndicatorFactory(
        evaluation=evaluation, parent=root, name="重点支出安排率", weight=50, computed_score=Decimal("34.25"), order=2
    )
    return root, full, lost


def test_leaves_that_lost_points_come_first(world, tree):
    _, full, lost = tree
    assert narrative_reads.leaves_by_lost_points(world["a"]) == ([lost], [full])


def test_items_are_added_edited_linked_reordered_and_deleted(world, tree):
    evaluation, (_, full, lost) = world["a"], tree
    finding = service.save_item(
        evaluation=evaluation,
        kind="finding",
        item_pk=None,
        title=" 重点支出安排不足 ",
        text="……",
        indicator_ids=[lost.pk],
    )
    assert (finding.title, finding.order, list(finding.indicators.all())) == ("重点支出安排不足", 1, [lost])
    second = service.save_item(evaluation=evaluation, kind="finding", item_pk=None, title="预算编制不够精准", text="")
    assert second.order == 2
    finding = service.save_item(
        evaluation=evaluation,
        kind="finding",
        item_pk=finding.pk,
        title="重点支出安排率偏低",
        text="68.42%",
        expected_version=1,
        indicator_ids=[lost.pk, full.pk],
    )
    assert finding.version == 2 and set(finding.indicators.all()) == {lost, full}
    recommendation = service.save_item(
        evaluation=evaluation, kind="recommendation", item_pk=None, title="优化支出结构", text="", finding_pk=finding.pk
    )
    assert recommendation.finding == finding
    service.move_item(evaluation=evaluation, kind="finding", item_pk=second.pk, expected_version=1, direction="up")
    assert list(Finding.objects.order_by("order").values_list("title", flat=True)) == [
        "预算编制不够精准",
        "重点支出安排率偏低",
    ]
    service.delete_item(evaluation=evaluation, kind="finding", item_pk=finding.pk, expected_version=2)
    assert list(Finding.objects.values_list("title", "order")) == [("预算编制不够精准", 1)]
    recommendation.refresh_from_db()
    assert recommendation.finding is None  # the recommendation stays, unlinked
    service.save_item(evaluation=evaluation, kind="experience", item_pk=None, title="建立动态管理机制", text="")
    assert Experience.objects.count() == 1


def test_bad_and_stale_item_edits_are_refused(world, tree):
    evaluation = world["a"]
    foreign = EvaluationIndicatorFactory(evaluation=world["b"])
    with pytest.raises(service.NarrativeInputError, match="请填写标题"):
        service.save_item(evaluation=evaluation, kind="experience", item_pk=None, title="  ", text="")
    with pytest.raises(service.NarrativeInputError, match="不属于本评价"):
        service.save_item(
            evaluation=evaluation, kind="finding", item_pk=None, title="问题", text="", indicator_ids=[foreign.pk]
        )
    other_finding = Finding.objects.create(evaluation=world["b"], title="别人的问题")
    with pytest.raises(service.NarrativeInputError, match="所选的问题不存在"):
        service.save_item(
            evaluation=evaluation,
            kind="recommendation",
            item_pk=None,
            title="建议",
            text="",
            finding_pk=other_finding.pk,
        )
    finding = service.save_item(evaluation=evaluation, kind="finding", item_pk=None, title="问题", text="原文")
    service.save_item(
        evaluation=evaluation, kind="finding", item_pk=finding.pk, title="问题", text="他人改过", expected_version=1
    )
    with pytest.raises(StaleObjectError) as info:
        service.save_item(
            evaluation=evaluation, kind="finding", item_pk=finding.pk, title="问题", text="我的修改", expected_version=1
        )
    assert "「内容」现为“他人改过”" in service.conflict_message(info.value)
    with pytest.raises(StaleObjectError):
        service.delete_item(evaluation=evaluation, kind="finding", item_pk=finding.pk, expected_version=1)
    with pytest.raises(StaleObjectError):
        service.move_item(evaluation=evaluation, kind="finding", item_pk=finding.pk, expected_version=1, direction="up")
    assert Finding.objects.get(pk=finding.pk).text == "他人改过"
    with pytest.raises(service.DeletedError):
        service.save_item(evaluation=evaluation, kind="experience", item_pk=999999, title="x", text="")


# --- pages, per role ------------------------------------------------------------------------------------------

READERS = ["evaluator_a", "reviewer_a", "admin"]
OTHERS = ["evaluator_b", "unit_b", "bureau_b", "nobody"]


def pages(evaluation, indicator):
    return [
        reverse("evaluation-narrative", args=[evaluation.pk]),
        reverse("evaluation-narrative-section", args=[evaluation.pk, "dept_overview"]),
        reverse("evaluation-analysis", args=[evaluation.pk]),
        reverse("evaluation-analysis-indicator", args=[evaluation.pk, indicator.pk]),
        reverse("evaluation-findings", args=[evaluation.pk]),
    ]


@pytest.mark.parametrize("persona", READERS)
def test_the_team_reviewers_and_the_bureau_read_every_page(client, world, tree, persona):
    client.force_login(world[persona])
    for number, url in enumerate(pages(world["a"], tree[2])):
        response = client.get(url)
        assert response.status_code == 200, url
        if number in (1, 3, 4):  # the pages with editors: a reader gets the text, not a form
            assert ("<textarea" in response.content.decode()) == (persona == "evaluator_a"), url


@pytest.mark.parametrize("persona", OTHERS)
def test_the_other_side_gets_404(client, world, tree, persona):
    client.force_login(world[persona])
    for url in pages(world["a"], tree[2]):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("persona", ["unit_a", "bureau_a"])
def test_the_unit_and_the_bureau_see_no_draft_until_the_report_is_shared(client, world, tree, persona):
    client.force_login(world[persona])
    for url in pages(world["a"], tree[2]):
        assert client.get(url).status_code == 403, url
    world["a"].state = EvaluationState.CONSULTATION
    world["a"].save()
    for url in pages(world["a"], tree[2]):
        response = client.get(url)
        assert response.status_code == 200 and "<textarea" not in response.content.decode(), url


def test_a_page_of_another_evaluation_s_indicator_is_404(client, world, tree):
    foreign = EvaluationIndicatorFactory(evaluation=world["b"])
    client.force_login(world["evaluator_a"])
    assert client.get(reverse("evaluation-analysis-indicator", args=[world["a"].pk, foreign.pk])).status_code == 404
    assert client.get(reverse("evaluation-narrative-section", args=[world["a"].pk, "background"])).status_code == 404


def section_url(evaluation, key="dept_overview"):
    return reverse("evaluation-narrative-section", args=[evaluation.pk, key])


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("evaluator_a", 302),
        ("reviewer_a", 403),
        ("bureau_a", 403),
        ("unit_a", 403),
        ("admin", 403),
        ("evaluator_b", 404),
    ],
)
def test_who_may_save_a_section(client, world, persona, status):
    client.force_login(world[persona])
    response = client.post(section_url(world["a"]), {"text": "部门情况正文", "version": "0"})
    assert response.status_code == status
    assert NarrativeSection.objects.filter(text="<p>部门情况正文</p>").exists() == (status == 302)


def test_a_stale_section_save_is_refused_and_keeps_the_user_s_text(client, world):
    service.save_section(evaluation=world["a"], key="dept_overview", text="同事的版本", expected_version=0)
    client.force_login(world["evaluator_a"])
    response = client.post(section_url(world["a"]), {"text": "我的版本", "version": "0"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "已被他人修改（您打开的是版本 0，当前为版本 1）" in body and "同事的版本" in body
    assert "&lt;p&gt;我的版本&lt;/p&gt;</textarea>" in body and 'name="version" value="1"' in body
    assert NarrativeSection.objects.get(key="dept_overview").text == "<p>同事的版本</p>"


def test_problems_concerning_a_section_are_shown_next_to_it_after_saving(client, world):
    client.force_login(world["evaluator_a"])
    client.post(section_url(world["a"], "dept_income"), {"text": "部门收入 5653.1 万元。", "version": "0"})
    response = client.post(
        section_url(world["a"], "dept_expenditure"), {"text": "部门支出 5653.1 元。", "version": "0"}, follow=True
    )
    body = response.content.decode()
    assert "已保存「部门支出情况」" in body
    assert "金额 5653.1 在此写作「5653.1 元」" in body  # the consistency check, anchored on this section
    outline = client.get(reverse("evaluation-narrative", args=[world["a"].pk])).content.decode()
    assert outline.index("单位可能混用") > outline.index('id="section-dept_expenditure"')


def test_analysis_draft_save_and_conflict(client, world, tree):
    _, _, lost = tree
    lost.rule_kind, lost.rule_params, lost.inputs = "bands", {"bands": [[90, 50], [60, 25]]}, {"actual": 68.42}
    lost.save()
    url = reverse("evaluation-analysis-indicator", args=[world["a"].pk, lost.pk])
    client.force_login(world["evaluator_a"])
    body = client.get(url).content.decode()
    assert "重点支出安排率：权重分为 50 分，实际得分为 34.25 分。" in body and "按计分结果起草" in body
    response = client.post(url, {"action": "draft", "text": "", "version": "1"})
    drafted = response.content.decode()
    # the editor gets the draft with the rule's explanation bound, and the page's figure catalogue its value now
    key = "indicator:资源配置/重点支出安排率:explanation"
    assert "经核查并对照评分标准，" + escape(f'<span data-figure="{key}"></span>。</p>') + "</textarea>" in drafted
    assert response.context["figures"][key].text == "重点支出安排率 68.42%，不低于 60%，按该档得 25 分"
    assert "尚未保存" in drafted
    assert EvaluationIndicator.objects.get(pk=lost.pk).analysis == ""  # a draft is not saved
    response = client.post(url, {"text": "依据预决算报表，重点支出安排率为 68.42%。", "version": "1"})
    assert response.status_code == 302
    stored = EvaluationIndicator.objects.get(pk=lost.pk)
    assert (stored.analysis, stored.version, stored.analysis_drafted) == (
        "<p>依据预决算报表，重点支出安排率为 68.42%。</p>",
        2,
        "",
    )
    response = client.post(url, {"text": "旧页面上的修改", "version": "1"})
    assert response.status_code == 409 and "「指标分析」现为“依据预决算报表" in response.content.decode()
    assert EvaluationIndicator.objects.get(pk=lost.pk).analysis.startswith("<p>依据预决算报表")
    client.force_login(world["reviewer_a"])
    assert client.post(url, {"text": "x", "version": "2"}).status_code == 403


def findings_url(evaluation, name="evaluation-findings", *args):
    return reverse(name, args=[evaluation.pk, *args])


def test_findings_page_actions(client, world, tree):
    evaluation, (_, _, lost) = world["a"], tree
    client.force_login(world["evaluator_a"])
    page = client.get(findings_url(evaluation)).content.decode()
    assert page.index("重点支出安排率") < page.index("决策程序规范性")  # the leaf that lost points is offered first
    response = client.post(
        findings_url(evaluation, "narrative-item-save", "finding"),
        {"title": "重点支出安排率偏低", "text": "……", "indicators": [lost.pk], "version": "0"},
    )
    finding = Finding.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#finding-{finding.pk}")
    assert list(finding.indicators.all()) == [lost]
    client.post(
        findings_url(evaluation, "narrative-item-save", "recommendation"),
        {"title": "优化支出结构", "finding": finding.pk, "version": "0"},
    )
    assert Recommendation.objects.get().finding == finding
    client.post(findings_url(evaluation, "narrative-item-save", "experience"), {"title": "经验一", "version": "0"})
    client.post(findings_url(evaluation, "narrative-item-save", "experience"), {"title": "经验二", "version": "0"})
    second = Experience.objects.get(title="经验二")
    client.post(
        findings_url(evaluation, "narrative-item-move", "experience", second.pk), {"direction": "up", "version": "1"}
    )
    assert list(Experience.objects.order_by("order").values_list("title", flat=True)) == ["经验二", "经验一"]
    response = client.post(
        findings_url(evaluation, "narrative-item-save", "finding"),
        {"item": finding.pk, "title": "改标题", "version": "0"},
        follow=True,
    )
    assert "已被他人修改" in response.content.decode() and Finding.objects.get().title == "重点支出安排率偏低"
    response = client.post(
        findings_url(evaluation, "narrative-item-save", "finding"), {"title": "", "version": "0"}, follow=True
    )
    assert "存在的问题未保存：请填写标题。" in response.content.decode()
    client.post(findings_url(evaluation, "narrative-item-delete", "finding", finding.pk), {"version": "1"})
    assert not Finding.objects.exists()
    assert client.post(findings_url(evaluation, "narrative-item-save", "nonsense"), {"title": "x"}).status_code == 404
    page = client.get(findings_url(evaluation)).content.decode()
    assert "经验二" in page and "优化支出结构" in page


@pytest.mark.parametrize(
    ("persona", "status"), [("reviewer_a", 403), ("bureau_a", 403), ("unit_a", 403), ("evaluator_b", 404)]
)
def test_findings_actions_refused_to_others(client, world, persona, status):
    finding = Finding.objects.create(evaluation=world["a"], title="问题", order=1)
    client.force_login(world[persona])
    assert (
        client.post(
            findings_url(world["a"], "narrative-item-save", "finding"), {"title": "新", "version": "0"}
        ).status_code
        == status
    )
    assert (
        client.post(
            findings_url(world["a"], "narrative-item-delete", "finding", finding.pk), {"version": "1"}
        ).status_code
        == status
    )
    assert (
        client.post(
            findings_url(world["a"], "narrative-item-move", "finding", finding.pk), {"version": "1"}
        ).status_code
        == status
    )
    assert list(Finding.objects.values_list("title", flat=True)) == ["问题"]


def test_a_guessed_item_of_another_evaluation_is_not_touched(client, world):
    theirs = Finding.objects.create(evaluation=world["b"], title="别人的问题", order=1)
    client.force_login(world["evaluator_a"])
    client.post(findings_url(world["a"], "narrative-item-delete", "finding", theirs.pk), {"version": "1"})
    client.post(
        findings_url(world["a"], "narrative-item-save", "finding"), {"item": theirs.pk, "title": "改", "version": "1"}
    )
    assert Finding.objects.get(pk=theirs.pk).title == "别人的问题"


def test_edits_are_refused_once_the_evaluation_is_in_review(client, world):
    world["a"].state = EvaluationState.INTERNAL_REVIEW
    world["a"].save()
    client.force_login(world["evaluator_a"])
    assert client.post(section_url(world["a"]), {"text": "x", "version": "0"}).status_code == 403
    assert "<textarea" not in client.get(section_url(world["a"])).content.decode()
