"""Rectification (整改) with acceptance (验收): the item's state machine, who may do what, the pages per role,
another organisation's item answering 404, overdue items and reminders in both inboxes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from evaluations.domain import rectification as service
from evaluations.domain.locking import StaleObjectError
from evaluations.domain.workflow import perform
from evaluations.models import (
    EvaluationState,
    RectificationAction,
    RectificationEvidence,
    RectificationItem,
    RectificationStatus,
)
from evaluations.queries.inbox import inbox
from evaluations.queries.rectification import items_of, overdue_items
from tests.factories import complete_report, walk

S = RectificationStatus
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf(name: str = "整改报告.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def followed(world):
    """Evaluation A approved and in 整改跟踪: two findings, the first with its recommendation."""
    evaluation = world["a"]
    first = evaluation.findings.create(title="项目未进行满意度调查", text="全年未开展满意度调查。", order=1)
    evaluation.findings.create(title="预算编制精准性不足", text="调剂率 81.94%。", order=2)
    evaluation.recommendations.create(title="开展满意度调查工作", text="每年开展一次。", finding=first)
    complete_report(evaluation)
    walk(world, "start_collecting", "start_scoring", "submit_review", "pass_review", "submit", "approve")
    perform(evaluation, "start_rectification", user=world["bureau_a"])
    evaluation.refresh_from_db()
    assert evaluation.state == EvaluationState.RECTIFICATION
    items = {item.finding.title: item for item in evaluation.rectification_items.select_related("finding")}
    return {**world, "e": evaluation, "survey": items["项目未进行满意度调查"], "budget": items["预算编制精准性不足"]}


def fresh(item: RectificationItem) -> RectificationItem:
    return RectificationItem.objects.get(pk=item.pk)


def submit(f, item, measures="已开展满意度调查，满意度 93.6%。", uploads=None):
    item = fresh(item)
    return service.report(
        item=item,
        user=f["unit_a"],
        expected_version=item.version,
        measures=measures,
        uploads=[pdf()] if uploads is None else uploads,
        submit=True,
    )


# --- the state machine --------------------------------------------------------------------------------------


def test_one_item_per_finding_for_the_evaluated_unit_due_in_90_days(followed):
    items = followed["e"].rectification_items.all()
    assert items.count() == 2
    assert {item.status for item in items} == {S.PENDING}
    assert {item.responsible_unit for item in items} == {followed["e"].evaluated_unit}
    assert {item.deadline for item in items} == {timezone.localdate() + dt.timedelta(days=90)}


def test_the_unit_reports_and_submits_the_bureau_returns_then_accepts(followed):
    f, item = followed, followed["survey"]
    saved = service.report(item=item, user=f["unit_a"], expected_version=1, measures="草拟调查方案", uploads=[pdf()])
    assert (saved.status, saved.measures, saved.version) == (S.PENDING, "草拟调查方案", 2)
    assert saved.evidence.get().submission is None  # uploaded, not yet submitted
    submitted = service.report(
        item=saved, user=f["unit_a"], expected_version=2, measures="已开展满意度调查，满意度 93.6%。", submit=True
    )
    assert submitted.status == S.SUBMITTED
    step = submitted.steps.get()
    assert (step.action, step.actor, step.measures) == (RectificationAction.SUBMIT, f["unit_a"], submitted.measures)
    assert [e.submission for e in submitted.evidence.all()] == [step]  # the file went with the submission

    returned = service.send_back(
        item=submitted, user=f["bureau_a"], expected_version=submitted.version, comment="请补充调查问卷样本。"
    )
    assert returned.status == S.RETURNED
    again = submit(f, returned, measures="已补充问卷样本。", uploads=[pdf("问卷样本.pdf")])
    accepted = service.accept(item=again, user=f["bureau_a"], expected_version=again.version, comment="材料齐全。")
    assert accepted.status == S.ACCEPTED
    history = [(s.action, s.actor.username, s.comment) for s in accepted.steps.all()]
    assert history == [
        ("submit", f["unit_a"].username, ""),
        ("return", f["bureau_a"].username, "请补充调查问卷样本。"),
        ("submit", f["unit_a"].username, ""),
        ("accept", f["bureau_a"].username, "材料齐全。"),
    ]
    first, second = accepted.steps.filter(action="submit")
    assert [e.original_name for e in first.evidence.all()] == ["整改报告.pdf"]
    assert [e.original_name for e in second.evidence.all()] == ["问卷样本.pdf"]
    assert first.measures == "已开展满意度调查，满意度 93.6%。"  # what was submitted then, kept as it was


@pytest.mark.parametrize(
    ("action", "persona", "message"),
    [
        ("accept", "unit_a", "责任单位不能验收自己报送的整改"),
        ("send_back", "unit_a", "只有委托的财政局可以验收或退回"),
        ("accept", "evaluator_a", "只有委托的财政局可以验收或退回"),
        ("accept", "bureau_b", "只有委托的财政局可以验收或退回"),
        ("accept", "admin", "只有委托的财政局可以验收或退回"),
    ],
)
def test_nobody_but_the_commissioning_bureau_accepts_or_returns(followed, action, persona, message):
    item = submit(followed, followed["survey"])
    with pytest.raises(service.RectificationError, match=message):
        getattr(service, action)(item=item, user=followed[persona], expected_version=item.version, comment="通过")
    assert fresh(item).status == S.SUBMITTED and fresh(item).steps.count() == 1


@pytest.mark.parametrize("persona", ["bureau_a", "evaluator_a", "unit_b", "admin"])
def test_only_the_responsible_unit_reports(followed, persona):
    item = followed["survey"]
    with pytest.raises(service.RectificationError, match="只有责任单位（甲区民政局）可以报送"):
        service.report(
            item=item, user=followed[persona], expected_version=1, measures="代为填写", uploads=[pdf()], submit=True
        )
    item = fresh(item)
    assert (item.status, item.measures, item.version) == (S.PENDING, "", 1)
    assert not RectificationEvidence.objects.exists()


def test_bad_transitions_are_refused_in_chinese_and_change_nothing(followed):
    f, item = followed, followed["survey"]
    with pytest.raises(service.RectificationError, match="责任单位提交验收后才能验收或退回"):
        service.accept(item=item, user=f["bureau_a"], expected_version=1)
    with pytest.raises(service.RectificationError, match="请填写整改措施及完成情况"):
        service.report(item=item, user=f["unit_a"], expected_version=1, measures=" ", uploads=[pdf()], submit=True)
    with pytest.raises(service.RectificationError, match="请上传整改佐证材料"):
        service.report(item=item, user=f["unit_a"], expected_version=1, measures="已整改", submit=True)
    with pytest.raises(service.RectificationError, match=r"不支持「\.exe」文件"):
        service.report(
            item=item,
            user=f["unit_a"],
            expected_version=1,
            measures="已整改",
            uploads=[SimpleUploadedFile("a.exe", b"MZ")],
            submit=True,
        )
    assert (fresh(item).status, fresh(item).version, RectificationEvidence.objects.count()) == (S.PENDING, 1, 0)

    item = submit(f, item)
    with pytest.raises(service.RectificationError, match="正等待财政局验收，不能再修改"):
        service.report(item=item, user=f["unit_a"], expected_version=item.version, measures="改一下")
    with pytest.raises(service.RectificationError, match="退回整改必须填写意见"):
        service.send_back(item=item, user=f["bureau_a"], expected_version=item.version, comment="  ")
    with pytest.raises(service.RectificationError, match="无需催办"):
        service.remind(item=item, user=f["bureau_a"])
    accepted = service.accept(item=item, user=f["bureau_a"], expected_version=item.version)
    for call in (
        lambda: service.accept(item=accepted, user=f["bureau_a"], expected_version=accepted.version),
        lambda: service.send_back(item=accepted, user=f["bureau_a"], expected_version=accepted.version, comment="x"),
        lambda: service.remind(item=accepted, user=f["bureau_a"]),
        lambda: service.set_deadline(item=accepted, user=f["bureau_a"], deadline=dt.date(2099, 1, 1)),
    ):
        with pytest.raises(service.RectificationError, match="该整改事项已验收"):
            call()
    with pytest.raises(service.RectificationError, match="该整改事项已验收，不能再修改整改情况"):
        service.report(item=accepted, user=f["unit_a"], expected_version=accepted.version, measures="x")
    assert fresh(item).steps.count() == 2


def test_a_decision_on_a_report_the_bureau_did_not_read_is_refused(followed):
    f = followed
    item = submit(f, f["survey"])
    read = item.version
    returned = service.send_back(item=item, user=f["bureau_a"], expected_version=read, comment="请补充。")
    submit(f, returned, measures="已补充。")
    with pytest.raises(StaleObjectError, match="已被他人修改"):
        service.accept(item=item, user=f["bureau_a"], expected_version=read)  # a second tab, opened before
    assert fresh(item).status == S.SUBMITTED


def test_nothing_moves_outside_rectification(followed):
    f, item = followed, followed["survey"]
    type(f["e"]).objects.filter(pk=f["e"].pk).update(state=EvaluationState.APPROVED)
    with pytest.raises(service.RectificationError, match="整改事项只能在整改跟踪阶段办理"):
        service.report(item=item, user=f["unit_a"], expected_version=1, measures="x", uploads=[pdf()], submit=True)


def test_deadline_is_the_bureaus_and_never_in_the_past(followed):
    f, item = followed, followed["budget"]
    with pytest.raises(service.RectificationError, match="只有委托的财政局可以催办整改事项或调整整改期限"):
        service.set_deadline(item=item, user=f["unit_a"], deadline=dt.date(2099, 1, 1))
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(service.RectificationError, match="早于今天"):
        service.set_deadline(item=item, user=f["bureau_a"], deadline=yesterday)
    with pytest.raises(service.RectificationError, match="请填写新的整改期限"):
        service.set_deadline(item=item, user=f["bureau_a"], deadline=None)
    moved = service.set_deadline(item=item, user=f["bureau_a"], deadline=dt.date(2099, 6, 30), comment="延期")
    assert moved.deadline == dt.date(2099, 6, 30) and moved.version == 1  # the unit's open form stays valid
    assert moved.steps.get().deadline == dt.date(2099, 6, 30)


def test_submitted_files_stay_unsubmitted_ones_can_be_removed(followed):
    f, item = followed, followed["survey"]
    draft = service.report(item=item, user=f["unit_a"], expected_version=1, measures="x", uploads=[pdf("错的.pdf")])
    wrong = draft.evidence.get()
    with pytest.raises(service.RectificationError, match="只有责任单位"):
        service.remove_evidence(evidence=wrong, user=f["bureau_a"])
    service.remove_evidence(evidence=wrong, user=f["unit_a"])
    assert not draft.evidence.exists()
    kept = submit(f, draft).evidence.get()
    returned = service.send_back(
        item=fresh(item), user=f["bureau_a"], expected_version=fresh(item).version, comment="补"
    )
    with pytest.raises(service.RectificationError, match="已随提交验收报送的佐证材料不能删除"):
        service.remove_evidence(evidence=kept, user=f["unit_a"])
    assert returned.evidence.get() == kept


# --- overdue items and reminders in both inboxes ------------------------------------------------------------


def back_date(item, days: int) -> None:
    RectificationItem.objects.filter(pk=item.pk).update(deadline=timezone.localdate() - dt.timedelta(days=days))


def texts(user, evaluation) -> list[tuple[str, str]]:
    return [(i.text, i.page) for i in inbox(user) if i.evaluation == evaluation]


def test_overdue_items_and_reminders_show_in_both_inboxes(followed):
    f, e = followed, followed["e"]
    assert texts(f["unit_a"], e) == [
        (
            "整改跟踪：2 项整改事项待报送，请填写整改措施、上传佐证材料并提交验收。",
            "evaluation-rectification",
        )
    ]
    assert texts(f["bureau_a"], e) == []  # nothing to accept, nothing overdue
    back_date(f["budget"], 3)
    service.remind(item=f["budget"], user=f["bureau_a"], comment="请尽快报送")
    submit(f, f["survey"])
    assert texts(f["unit_a"], e) == [
        (
            "整改跟踪：1 项整改事项待报送（其中已逾期 1 项、财政局已催办 1 项），"
            "请填写整改措施、上传佐证材料并提交验收。",
            "evaluation-rectification",
        )
    ]
    assert texts(f["bureau_a"], e) == [
        ("整改跟踪：1 项整改事项待验收；1 项逾期未验收，已催办 1 项。", "evaluation-rectification")
    ]
    assert texts(f["unit_b"], e) == texts(f["bureau_b"], e) == []
    assert [item.pk for item in overdue_items()] == [f["budget"].pk]
    budget = submit(f, f["budget"])  # submitting answers the reminder
    assert budget.reminded_at is None
    assert texts(f["bureau_a"], e) == [("整改跟踪：2 项整改事项待验收；1 项逾期未验收。", "evaluation-rectification")]
    service.accept(item=budget, user=f["bureau_a"], expected_version=budget.version)
    assert not overdue_items().exists()  # accepted late is no longer overdue


def test_items_due_within_a_week_are_announced_to_the_unit(followed):
    f = followed
    RectificationItem.objects.filter(pk=f["budget"].pk).update(deadline=timezone.localdate() + dt.timedelta(days=7))
    (text,) = [t for t, _ in texts(f["unit_a"], f["e"])]
    assert "7 日内到期 1 项" in text


def test_the_items_list_reads_findings_and_recommendations_in_a_constant_number_of_queries(
    followed, django_assert_num_queries
):
    with django_assert_num_queries(3):
        items = items_of(followed["e"])
        assert [item.finding.title for item in items] == ["项目未进行满意度调查", "预算编制精准性不足"]
        assert [r.title for r in items[0].finding.recommendations.all()] == ["开展满意度调查工作"]


# --- the pages ---------------------------------------------------------------------------------------------


def item_url(f, item) -> str:
    return reverse("rectification-item", args=[f["e"].pk, item.pk])


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("unit_a", 200),
        ("bureau_a", 200),
        ("evaluator_a", 200),
        ("admin", 200),
        ("unit_b", 404),
        ("bureau_b", 404),
        ("evaluator_b", 404),
        ("nobody", 404),
    ],
)
def test_who_sees_the_rectification_pages(client, followed, persona, status):
    f = followed
    item = submit(f, f["survey"])
    file = item.evidence.get()
    client.force_login(f[persona])
    assert client.get(reverse("evaluation-rectification", args=[f["e"].pk])).status_code == status
    assert client.get(item_url(f, item)).status_code == status
    download = client.get(reverse("rectification-file", args=[f["e"].pk, item.pk, file.pk]))
    assert download.status_code == status
    if status == 200:
        assert b"".join(download.streaming_content) == PDF
        assert download["Content-Disposition"].startswith("attachment")


def test_another_organisations_item_by_id_answers_404(client, followed):
    """Side B's own evaluation in the URL with side A's item (and the reverse) is no way in."""
    f = followed
    other = f["b"]
    client.force_login(f["unit_b"])
    assert client.get(reverse("rectification-item", args=[other.pk, f["survey"].pk])).status_code == 404
    response = client.post(
        reverse("rectification-item", args=[other.pk, f["survey"].pk]),
        {"action": "submit", "version": 1, "measures": "越权"},
    )
    assert response.status_code == 404
    client.force_login(f["bureau_b"])
    response = client.post(item_url(f, f["survey"]), {"action": "accept", "version": 1})
    assert response.status_code == 404
    assert fresh(f["survey"]).status == S.PENDING


def test_the_unit_reports_through_its_page_and_sees_no_acceptance_form(client, followed):
    f = followed
    client.force_login(f["unit_a"])
    page = client.get(item_url(f, f["survey"])).content.decode()
    assert "开展满意度调查工作" in page and "全年未开展满意度调查" in page  # the finding and its recommendation
    assert 'value="submit"' in page and 'value="accept"' not in page and "催办责任单位" not in page
    response = client.post(
        item_url(f, f["survey"]), {"action": "submit", "version": 1, "measures": "已整改"}, follow=False
    )
    assert response.status_code == 400
    assert "请上传整改佐证材料" in response.content.decode()
    assert "已整改" in response.content.decode()  # what was typed is kept on the page
    response = client.post(
        item_url(f, f["survey"]),
        {"action": "submit", "version": 1, "measures": "已整改", "files": [pdf()]},
        follow=True,
    )
    assert "已提交验收，等待财政局验收" in response.content.decode()
    assert fresh(f["survey"]).status == S.SUBMITTED
    response = client.post(item_url(f, f["survey"]), {"action": "accept", "version": 2})
    assert response.status_code == 400
    assert "责任单位不能验收自己报送的整改" in response.content.decode()
    assert fresh(f["survey"]).status == S.SUBMITTED


def test_the_bureau_accepts_or_returns_through_its_page_and_cannot_edit_the_report(client, followed):
    f = followed
    item = submit(f, f["survey"])
    client.force_login(f["bureau_a"])
    page = client.get(item_url(f, item)).content.decode()
    assert 'value="accept"' in page and 'value="return"' in page
    assert 'name="measures"' not in page and "已开展满意度调查，满意度 93.6%。" in page
    response = client.post(item_url(f, item), {"action": "return", "version": item.version, "comment": ""})
    assert response.status_code == 400 and "退回整改必须填写意见" in response.content.decode()
    response = client.post(item_url(f, item), {"action": "save", "version": item.version, "measures": "财政局改写"})
    assert "只有责任单位（甲区民政局）可以报送" in response.content.decode()
    assert fresh(item).measures == "已开展满意度调查，满意度 93.6%。"
    client.post(item_url(f, item), {"action": "return", "version": item.version, "comment": "请补充问卷。"})
    assert fresh(item).status == S.RETURNED
    client.force_login(f["unit_a"])
    page = client.get(item_url(f, item)).content.decode()
    assert "财政局退回意见" in page and "请补充问卷。" in page
    listing = client.get(reverse("evaluation-rectification", args=[f["e"].pk])).content.decode()
    assert "退回" in listing and "开展满意度调查工作" in listing


def test_the_bureau_sets_a_deadline_and_reminds_through_its_page(client, followed):
    f = followed
    client.force_login(f["bureau_a"])
    url = item_url(f, f["budget"])
    response = client.post(url, {"action": "deadline", "deadline": "2020-01-01"})
    assert "早于今天" in response.content.decode()
    response = client.post(url, {"action": "deadline", "deadline": "不是日期"})
    assert response.status_code == 400 and "整改期限" in response.content.decode()
    client.post(url, {"action": "deadline", "deadline": "2099-06-30", "comment": "延期至年中"})
    client.post(url, {"action": "remind", "comment": "请尽快报送"})
    item = fresh(f["budget"])
    assert item.deadline == dt.date(2099, 6, 30) and item.reminded_at is not None
    history = client.get(url).content.decode()
    assert "调整整改期限" in history and "2099-06-30" in history and "请尽快报送" in history


def test_the_admin_reads_items_and_their_history_but_changes_nothing(client, followed):
    f = followed
    item = submit(f, f["survey"])
    client.force_login(f["admin"])
    assert client.get(reverse("admin:evaluations_rectificationitem_changelist")).status_code == 200
    page = client.get(reverse("admin:evaluations_rectificationitem_change", args=[item.pk]))
    assert page.status_code == 200 and "已开展满意度调查" in page.content.decode()
    client.post(reverse("admin:evaluations_rectificationitem_change", args=[item.pk]), {"status": "accepted"})
    assert fresh(item).status == S.SUBMITTED
