"""The field-research record (现场调研记录, seed 004 附件 3): built from the data, edited per indicator."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from evaluations.demo import SEED_DOCUMENTS
from evaluations.domain.importing import import_document
from evaluations.domain.research import (
    ResearchConflict,
    ResearchEntry,
    ResearchInputError,
    save_research,
)
from evaluations.models import EvaluationIndicator, EvaluationState, Evidence
from evaluations.queries.research import research_period, research_rows
from rubrics.builtin import BUILTIN_DIR
from rubrics.document import parse_document
from tests.factories import EvaluationIndicatorFactory, OrganisationFactory, UserFactory

FIELD_RESEARCH = json.loads((BUILTIN_DIR / "field_research" / "field_research_004.json").read_text(encoding="utf-8"))


@pytest.fixture
def department(db):
    for username in ("evaluator", "reviewer", "reviewer1", "reviewer3"):  # the accounts the seed team names
        UserFactory(username=username, organisation=OrganisationFactory())
    return import_document(parse_document(SEED_DOCUMENTS["department"].read_text(encoding="utf-8")))


def test_the_demo_department_record_matches_annex_3(department):
    rows = research_rows(department)
    assert len(rows) == len(FIELD_RESEARCH) == 41
    assert [row.number for row in rows] == list(range(1, 42))
    printed = {record["indicator"]: record for record in FIELD_RESEARCH}
    # the record's own order: 8 预算执行进度率 before 9 预算调整率, where 附件 1 has them the other way round
    assert [row.name for row in rows] == [record["indicator"] for record in FIELD_RESEARCH]
    for row in rows:
        record = printed[row.name]
        assert row.number == record["no"], row.name
        assert row.required == record["material_required"], row.name
        assert row.obtained == (record["material_obtained"] or ""), row.name
        # the record's own 调研内容 where it words it otherwise than 附件 1's 指标解释 (rows 5–8), else the 指标解释
        if record["no"] in (5, 6, 7, 8):
            assert row.content == record["content"] != row.indicator.explanation, row.name
        else:
            assert row.content == row.indicator.explanation and row.content, row.name
        expected = "2023年7月2日—2023年7月20日" if record["dates"] else ""
        assert row.period == expected, row.name
    by_name = {row.name: row for row in rows}
    assert by_name["预决算信息公开性"].period == ""  # 附件 3 prints "前期资料已核查" instead of dates
    assert sum(1 for row in rows if row.period == "2023年7月2日—2023年7月20日") == 40
    assert by_name["绩效目标合理性"].obtained == "罗庄区民政局三定方案；2022年罗庄区民政局部门整体绩效目标"
    assert by_name["预算完成率"].path == "管理效率 / 预算执行"


def test_research_period_wording():
    day = dt.date(2023, 7, 2)
    assert research_period(day, dt.date(2023, 7, 20)) == "2023年7月2日—2023年7月20日"
    assert research_period(day, day) == "2023年7月2日"
    assert (research_period(day, None), research_period(None, day), research_period(None, None)) == (
        "2023年7月2日起",
        "至2023年7月2日",
        "",
    )


@pytest.fixture
def leaves(world):
    root = EvaluationIndicatorFactory(evaluation=world["a"], name="管理效率", weight=100, order=1)
    first = EvaluationIndicatorFactory(
        evaluation=world["a"],
        parent=root,
        name="预算完成率",
        weight=50,
        order=1,
        explanation="预算完成率=…",
        evidence_required="预决算报表等",
    )
    second = EvaluationIndicatorFactory(evaluation=world["a"], parent=root, name="固定资产利用率", weight=50, order=2)
    return first, second


def test_evidence_file_names_stand_in_until_something_is_recorded(world, leaves):
    first, _ = leaves
    for name in ("2022年决算.pdf", "预算批复.pdf"):
        item = Evidence.objects.create(
            evaluation=world["a"],
            file="evidence/x.pdf",
            original_name=name,
            size=1,
            sha256="0" * 64,
            content_type="application/pdf",
        )
        item.indicators.add(first)
    row = research_rows(world["a"])[0]
    assert (row.obtained, row.obtained_from_files) == ("2022年决算.pdf；预算批复.pdf", True)
    first.evidence_obtained = "2022年决算"
    first.save()
    row = research_rows(world["a"])[0]
    assert (row.obtained, row.obtained_from_files) == ("2022年决算", False)


def entry(node, obtained="2022年决算", start="2023-07-02", end="2023-07-20", version=None) -> ResearchEntry:
    return ResearchEntry(node.pk, node.version if version is None else version, obtained, start, end)


def test_save_research_versions_each_changed_row(world, leaves):
    first, second = leaves
    assert save_research(world["a"], [entry(first), entry(second, obtained="", start="", end="")]) == 1
    first.refresh_from_db()
    assert (first.evidence_obtained, first.research_start, first.research_end, first.version) == (
        "2022年决算",
        dt.date(2023, 7, 2),
        dt.date(2023, 7, 20),
        2,
    )
    assert EvaluationIndicator.objects.get(pk=second.pk).version == 1  # unchanged rows are not written


def test_bad_dates_are_refused_whole(world, leaves):
    first, second = leaves
    with pytest.raises(ResearchInputError) as info:
        save_research(world["a"], [entry(first, start="2023-07-20", end="2023-07-02"), entry(second, start="七月")])
    assert info.value.problems == [
        "「预算完成率」：调研开始日期 2023年7月20日 晚于结束日期 2023年7月2日",
        "「固定资产利用率」：调研开始日期「七月」不是有效日期（应为 2023-07-02 这样的格式）",
    ]
    assert EvaluationIndicator.objects.get(pk=first.pk).research_start is None
    foreign = EvaluationIndicatorFactory(evaluation=world["b"])
    with pytest.raises(ResearchInputError):
        save_research(world["a"], [entry(foreign)])


def test_a_stale_row_refuses_the_whole_save(world, leaves):
    first, second = leaves
    save_research(world["a"], [entry(first, obtained="同事记录的资料")])
    with pytest.raises(ResearchConflict) as info:
        save_research(world["a"], [entry(first, obtained="我的记录", version=1), entry(second)])
    assert "同事记录的资料" in str(info.value)
    assert EvaluationIndicator.objects.get(pk=first.pk).evidence_obtained == "同事记录的资料"
    assert EvaluationIndicator.objects.get(pk=second.pk).evidence_obtained == ""  # all or nothing


# --- the page, per role --------------------------------------------------------------------------------


def url(evaluation):
    return reverse("evaluation-research", args=[evaluation.pk])


def test_the_bureau_reads_the_record_only_once_the_report_is_shared(client, world, leaves):
    client.force_login(world["bureau_a"])  # a draft's text is the firm's until 征求意见
    assert client.get(url(world["a"])).status_code == 403


@pytest.mark.parametrize("persona", ["evaluator_a", "reviewer_a", "admin"])
def test_the_record_is_shown_to_the_team_reviewers_and_bureau(client, world, leaves, persona):
    client.force_login(world[persona])
    response = client.get(url(world["a"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "预算完成率" in body and "预决算报表等" in body
    assert ("编辑调研资料和时间" in body) == (persona == "evaluator_a")
    assert "<textarea" not in client.get(url(world["a"]), {"edit": "1"}).content.decode() or persona == "evaluator_a"


@pytest.mark.parametrize("persona", ["evaluator_b", "unit_b", "bureau_b", "nobody"])
def test_the_record_is_404_for_the_other_side(client, world, persona):
    client.force_login(world[persona])
    assert client.get(url(world["a"])).status_code == 404


def test_the_unit_sees_the_record_only_once_the_report_is_shared(client, world, leaves):
    client.force_login(world["unit_a"])
    assert client.get(url(world["a"])).status_code == 403
    assert client.post(url(world["a"]), {}).status_code == 403
    world["a"].state = EvaluationState.CONSULTATION
    world["a"].save()
    assert client.get(url(world["a"])).status_code == 200


def form(*rows: ResearchEntry) -> dict:
    data: dict = {"rows": [row.indicator_pk for row in rows]}
    for row in rows:
        data |= {
            f"version-{row.indicator_pk}": row.version,
            f"obtained-{row.indicator_pk}": row.obtained,
            f"start-{row.indicator_pk}": row.start,
            f"end-{row.indicator_pk}": row.end,
        }
    return data


def test_evaluators_edit_the_record(client, world, leaves):
    first, second = leaves
    client.force_login(world["evaluator_a"])
    assert 'name="obtained-' in client.get(url(world["a"]), {"edit": "1"}).content.decode()
    response = client.post(url(world["a"]), form(entry(first), entry(second, obtained="固定资产清单")))
    assert response.status_code == 302
    body = client.get(url(world["a"])).content.decode()
    assert "已保存现场调研记录（修改 2 行）" in body and "2023年7月2日—2023年7月20日" in body and "固定资产清单" in body
    response = client.post(url(world["a"]), form(entry(first, start="2023-02-30", version=2)))
    assert response.status_code == 400 and "「2023-02-30」不是有效日期" in response.content.decode()
    response = client.post(url(world["a"]), form(entry(first, obtained="旧页面", version=1)))
    assert response.status_code == 400 and "已被他人修改" in response.content.decode()
    assert EvaluationIndicator.objects.get(pk=first.pk).evidence_obtained == "2022年决算"


@pytest.mark.parametrize(("persona", "status"), [("reviewer_a", 403), ("bureau_a", 403), ("evaluator_b", 404)])
def test_others_cannot_edit_the_record(client, world, leaves, persona, status):
    client.force_login(world[persona])
    assert client.post(url(world["a"]), form(entry(leaves[0]))).status_code == status
    assert EvaluationIndicator.objects.get(pk=leaves[0].pk).evidence_obtained == ""


@pytest.mark.parametrize("count", [1, 30])
def test_the_record_page_needs_the_same_queries_for_1_and_30_rows(client, world, count, django_assert_max_num_queries):
    root = EvaluationIndicatorFactory(evaluation=world["a"], name="履职效能", weight=100)
    for number in range(count):
        leaf = EvaluationIndicatorFactory(evaluation=world["a"], parent=root, name=f"指标{number}", order=number)
        item = Evidence.objects.create(
            evaluation=world["a"],
            file="evidence/x.pdf",
            original_name=f"材料{number}.pdf",
            size=1,
            sha256="0" * 64,
            content_type="application/pdf",
        )
        item.indicators.add(leaf)
    client.force_login(world["evaluator_a"])
    with django_assert_max_num_queries(15):  # one counts the 评价任务 waiting in the navigation's 待办
        response = client.get(url(world["a"]))
    assert response.content.decode().count("材料") >= count
