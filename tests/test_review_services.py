import pytest

from evaluations.domain.review import (
    ReviewError,
    add_consultation_comment,
    answer_consultation_comment,
    return_with_comments,
)
from evaluations.domain.scoring import recompute_scores
from evaluations.domain.workflow import TransitionError, perform
from evaluations.models import EvaluationState, NarrativeSection
from evaluations.queries.inbox import inbox
from evaluations.queries.review import changes_since_last_review, open_review_comments
from tests.factories import OPINIONS, EvaluationIndicatorFactory, complete_report

S = EvaluationState


@pytest.fixture
def consultation(world):
    """Side A (one review level) in 征求意见, with a finding and a leaf indicator."""
    evaluation = world["a"]
    evaluation.evaluating_firm.review_levels = 1
    evaluation.evaluating_firm.save()
    leaf = EvaluationIndicatorFactory(
        evaluation=evaluation, name="满意度", weight=100, rule_kind="binary", inputs={"met": True}
    )
    recompute_scores(evaluation)
    evaluation.findings.create(title="项目未进行满意度调查", text="全年投诉率 1%。")
    complete_report(evaluation)  # every required section written: the check lets the submission through
    for name, persona in (
        ("start_collecting", "evaluator_a"),
        ("start_scoring", "evaluator_a"),
        ("submit_review", "evaluator_a"),
        ("pass_review", "reviewer_a"),
    ):
        perform(evaluation, name, user=world[persona], comment=OPINIONS.get(name, ""))
    evaluation.refresh_from_db()
    assert evaluation.state == S.CONSULTATION
    return {**world, "e": evaluation, "leaf": leaf, "finding": evaluation.findings.get()}


def test_unit_and_bureau_comment_and_the_team_answers_each_with_a_reason(consultation):
    c = consultation
    first = add_consultation_comment(evaluation=c["e"], user=c["unit_a"], text="投诉率应为 0.8%", finding=c["finding"])
    add_consultation_comment(evaluation=c["e"], user=c["bureau_a"], text="请补充调查方法", section_key="methods")
    with pytest.raises(ReviewError, match="只有被评价单位和委托单位"):
        add_consultation_comment(evaluation=c["e"], user=c["unit_b"], text="越权意见")
    with pytest.raises(TransitionError, match="还有 2 条征求意见尚未答复"):
        perform(c["e"], "submit", user=c["evaluator_a"])
    with pytest.raises(ReviewError, match="理由"):
        answer_consultation_comment(comment=first, user=c["evaluator_a"], decision="rejected", reason=" ")
    with pytest.raises(ReviewError, match="只有本评价小组的评价人员"):
        answer_consultation_comment(comment=first, user=c["unit_a"], decision="adopted", reason="同意")
    for comment in c["e"].consultation_comments.all():
        answer_consultation_comment(comment=comment, user=c["evaluator_a"], decision="adopted", reason="已据此修改")
    perform(c["e"], "submit", user=c["evaluator_a"])
    c["e"].refresh_from_db()
    assert c["e"].state == S.SUBMITTED


def test_return_with_comments_then_resubmission_shows_what_changed(consultation):
    c = consultation
    perform(c["e"], "submit", user=c["evaluator_a"])
    return_with_comments(
        evaluation=c["e"],
        user=c["bureau_a"],
        comment="请修改后重新提交",
        items=[
            {"indicator": c["leaf"], "text": "满意度未开展调查，不应得满分"},
            {"section_key": "conclusion", "text": "结论需写明扣分原因"},
        ],
    )
    c["e"].refresh_from_db()
    assert c["e"].state == S.RETURNED
    labels = [comment.target_label() for comment in open_review_comments(c["e"])]
    assert labels == ["指标「满意度」", "章节「评价结论」"]
    # The team fixes and resubmits through review and consultation.
    c["leaf"].inputs = {"met": False}
    c["leaf"].save()
    recompute_scores(c["e"])
    NarrativeSection.objects.filter(evaluation=c["e"], key="conclusion").update(text="满意度扣 5 分。")
    for name, persona in (("submit_review", "evaluator_a"), ("pass_review", "reviewer_a"), ("submit", "evaluator_a")):
        perform(c["e"], name, user=c[persona], comment=OPINIONS.get(name, ""))
    changes = changes_since_last_review(c["e"])
    assert "指标「满意度」的计分输入已修改。" in changes
    assert "报告章节「评价结论」已修改。" in changes


def test_return_needs_a_comment_and_valid_targets(consultation):
    c = consultation
    perform(c["e"], "submit", user=c["evaluator_a"])
    with pytest.raises(ReviewError, match="没有章节"):
        return_with_comments(
            evaluation=c["e"], user=c["bureau_a"], comment="x", items=[{"section_key": "nope", "text": "?"}]
        )
    with pytest.raises(TransitionError, match="必须填写审核意见，说明需要修改的内容"):
        return_with_comments(evaluation=c["e"], user=c["bureau_a"], comment="", items=[])
    c["e"].refresh_from_db()
    assert c["e"].state == S.SUBMITTED


def test_inbox_tells_each_person_what_waits_for_them(consultation):
    c = consultation
    assert [i.text for i in inbox(c["unit_a"])] == ["征求意见：请审阅评价报告初稿和问题清单并提出意见。"]
    add_consultation_comment(evaluation=c["e"], user=c["unit_a"], text="意见")
    assert [i.text for i in inbox(c["evaluator_a"])] == ["有 1 条征求意见待答复。"]
    assert not [item for item in inbox(c["unit_b"]) if item.evaluation == c["e"]]
    assert inbox(c["nobody"]) == []
    c["e"].consultation_comments.update(decision="adopted", reason="好")
    perform(c["e"], "submit", user=c["evaluator_a"])
    assert [i.text for i in inbox(c["bureau_a"])] == ["已提交，待您审核。"]
    assert inbox(c["bureau_b"]) == []


def test_return_comments_appear_in_the_check_where_they_apply(consultation):
    from evaluations.queries.consistency import check_evaluation

    c = consultation
    perform(c["e"], "submit", user=c["evaluator_a"])
    return_with_comments(
        evaluation=c["e"],
        user=c["bureau_a"],
        comment="请修改",
        items=[
            {"indicator": c["leaf"], "text": "满意度不应得满分"},
            {"section_key": "conclusion", "text": "写明扣分原因"},
        ],
    )
    hints = {(p.anchor, p.message) for p in check_evaluation(c["e"]) if p.message.startswith("财政局审核意见")}
    assert hints == {
        (f"indicator-{c['leaf'].pk}", "财政局审核意见（退回修改）：满意度不应得满分"),
        ("section-conclusion", "财政局审核意见（退回修改）：写明扣分原因"),
    }
