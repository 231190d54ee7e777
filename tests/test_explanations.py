"""说明 on check errors (issue: a Q4 subsidy paid on 20 January of the next year is a true fact outside the
period): the team explains instead of falsifying the date; the reviewer holding the evaluation accepts or rejects
it with a comment; an accepted explanation stops blocking and is printed under 其他需要说明的问题."""

import pytest
from django.urls import reverse

from evaluations.domain import explanations as service
from evaluations.domain.datatables import save_table
from evaluations.domain.errors import EditError
from evaluations.domain.workflow import TransitionError, perform
from evaluations.models import EvaluationState, Explanation, ExplanationStatus
from evaluations.queries.consistency import ERROR, EXPLAINED, check, check_evaluation
from reports.assembly import assemble_report
from reports.selection import outline_for
from tests.factories import OPINIONS, complete_report, walk

pytestmark = pytest.mark.django_db

KEY = "date-period:table-disbursements:春节慰问金2024-01-20"
TRUE_FACT = "第四季度春节慰问金按上级通知于次年 1 月 20 日集中发放，资金属于 2023 年度预算，日期属实。"


@pytest.fixture
def late_payment(world):
    """Evaluation A, complete except one true fact the check calls an error: a payment of the year made in January."""
    evaluation = world["a"]
    evaluation.kind = "project"  # the 资金发放批次表 is a project table
    evaluation.save(update_fields=["kind"])
    evaluation = complete_report(evaluation)
    row = {"category": "节日慰问金", "item": "春节慰问金", "recipient": "福利机构", "paid_on": "2024-01-20"}
    save_table(evaluation=evaluation, key="disbursements", rows=[{**row, "recipients": "7", "amount": "36"}])
    evaluation.evaluating_firm.review_levels = 1
    evaluation.evaluating_firm.save()
    assert [p.key for p in check_evaluation(evaluation) if p.severity == ERROR] == [KEY]
    return evaluation


def test_an_explanation_travels_through_review_into_the_report(world, late_payment):
    evaluation = late_payment
    explanation = service.explain(evaluation=evaluation, user=world["evaluator_a"], key=KEY, text=TRUE_FACT)
    assert explanation.status == ExplanationStatus.PENDING
    assert [p.severity for p in check_evaluation(evaluation) if p.key == KEY] == [ERROR]  # pending still blocks

    walk(world, "start_collecting", "start_scoring", "submit_review", evaluation=evaluation)
    with pytest.raises(EditError, match="不认可说明时请写明理由"):
        service.decide(explanation=explanation, user=world["reviewer_a"], accept=False, comment=" ")
    service.decide(explanation=explanation, user=world["reviewer_a"], accept=True, comment="已核对上级通知。")
    explanation.refresh_from_db()
    assert (explanation.status, explanation.decided_by) == (ExplanationStatus.ACCEPTED, world["reviewer_a"])
    [problem] = [p for p in check_evaluation(evaluation) if p.key == KEY]
    assert problem.severity == EXPLAINED and problem.explanation.text == TRUE_FACT

    walk(world, "pass_review", "submit", "approve", evaluation=evaluation)
    assert evaluation.state == EvaluationState.APPROVED
    content = assemble_report(evaluation, outline_for(evaluation))
    other = next(section for section in content.sections if section.title == "其他需要说明的问题")
    assert [(block.label, block.text) for block in other.blocks][-1] == ("关于资金发放批次表 第1行：", TRUE_FACT)
    assert not content.draft


def test_an_unexplained_or_rejected_error_blocks_submission_and_approval(world, late_payment):
    evaluation = late_payment
    walk(world, "start_collecting", "start_scoring", "submit_review", "pass_review", evaluation=evaluation)
    with pytest.raises(TransitionError, match="发放日期 2024年1月20日 不在评价期间") as refusal:
        perform(evaluation, "submit", user=world["evaluator_a"])
    assert "写明说明" in str(refusal.value)

    # Written during 征求意见, no reviewer holds it: submission passes, the bureau decides.
    explanation = service.explain(evaluation=evaluation, user=world["evaluator_a"], key=KEY, text=TRUE_FACT)
    with pytest.raises(EditError, match="只有在内部复核或财政局审核期间"):
        service.decide(explanation=explanation, user=world["reviewer_a"], accept=True, comment="")
    walk(world, "submit", evaluation=evaluation)
    with pytest.raises(TransitionError, match="不能批准"):
        perform(evaluation, "approve", user=world["bureau_a"], comment=OPINIONS["approve"])
    with pytest.raises(EditError, match="只有委托该评价的财政局审核人员"):
        service.decide(explanation=explanation, user=world["bureau_b"], accept=True, comment="")
    service.decide(explanation=explanation, user=world["bureau_a"], accept=False, comment="请提供上级通知文号。")
    assert check(evaluation, submitting=True).blocking  # rejected: an error again
    perform(evaluation, "return", user=world["bureau_a"], comment="请补充说明依据。")

    # Rewritten: waiting for review again, then accepted by the bureau at the next submission.
    evaluation.refresh_from_db()
    explanation = service.explain(
        evaluation=evaluation, user=world["evaluator_a"], key=KEY, text=TRUE_FACT + "依据罗民发〔2024〕1号。"
    )
    assert (explanation.status, explanation.decided_by, explanation.decision_comment) == ("pending", None, "")
    assert Explanation.objects.filter(evaluation=evaluation).count() == 1


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        (KEY, "  ", "请写明说明的内容"),
        ("date-period:table-disbursements:不存在", TRUE_FACT, "该检查错误已不存在"),
        ("empty-section:section-dept_overview", TRUE_FACT, "该检查错误已不存在"),  # a to-do is filled, not explained
        (KEY, "长" * 2001, "说明最多 2000 个字"),
    ],
)
def test_bad_explanations_are_refused_and_nothing_is_saved(world, late_payment, key, text, message):
    with pytest.raises(EditError, match=message):
        service.explain(evaluation=late_payment, user=world["evaluator_a"], key=key, text=text)
    assert not Explanation.objects.exists()


def test_only_the_team_explains_while_editable(world, late_payment):
    for persona in ("reviewer_a", "unit_a", "bureau_a", "evaluator_b"):
        with pytest.raises(EditError, match="只有本评价小组的评价人员"):
            service.explain(evaluation=late_payment, user=world[persona], key=KEY, text=TRUE_FACT)
    assert not Explanation.objects.exists()


@pytest.mark.parametrize(
    ("persona", "state", "status"),
    [
        ("evaluator_a", EvaluationState.SCORING, 200),
        ("reviewer_a", EvaluationState.INTERNAL_REVIEW, 200),
        ("bureau_a", EvaluationState.SUBMITTED, 200),
        ("bureau_a", EvaluationState.CONSULTATION, 403),  # not yet with the bureau
        ("unit_a", EvaluationState.CONSULTATION, 403),  # the firm's internal check is not the unit's to read
        ("evaluator_b", EvaluationState.SCORING, 404),
        ("bureau_b", EvaluationState.SUBMITTED, 404),
    ],
)
def test_the_page_per_role(client, world, late_payment, persona, state, status):
    service.explain(evaluation=late_payment, user=world["evaluator_a"], key=KEY, text=TRUE_FACT)
    late_payment.state = state
    late_payment.review_level = 1 if state == EvaluationState.INTERNAL_REVIEW else 0
    late_payment.save(update_fields=["state", "review_level"])
    client.force_login(world[persona])
    response = client.get(reverse("evaluation-explanations", args=[late_payment.pk]))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert TRUE_FACT in page and "发放日期 2024年1月20日 不在评价期间" in page
        assert ('name="action" value="accept"' in page) == (persona in ("reviewer_a", "bureau_a"))
        assert ('name="action" value="explain"' in page) == (persona == "evaluator_a")


def test_the_page_saves_and_decides_through_the_services(client, world, late_payment):
    url = reverse("evaluation-explanations", args=[late_payment.pk])
    client.force_login(world["evaluator_a"])
    response = client.post(url, {"action": "explain", "key": KEY, "text": TRUE_FACT}, follow=True)
    assert "本次未保存" in response.content.decode() and not Explanation.objects.exists()  # no fingerprint
    response = client.post(url, {"action": "explain", "key": KEY, "text": TRUE_FACT, "seen": ""}, follow=True)
    assert "说明已保存" in response.content.decode()
    explanation = Explanation.objects.get()
    seen = service.fingerprint(explanation)
    accept = {"action": "accept", "explanation": explanation.pk, "seen": seen}
    assert client.post(url, accept, follow=True).status_code == 200
    explanation.refresh_from_db()
    assert explanation.status == ExplanationStatus.PENDING  # the evaluator cannot accept their own explanation
    walk(world, "start_collecting", "start_scoring", "submit_review", evaluation=late_payment)
    client.force_login(world["reviewer_a"])
    reject = {"action": "reject", "explanation": explanation.pk, "comment": "", "seen": seen}
    response = client.post(url, reject, follow=True)
    assert "不认可说明时请写明理由" in response.content.decode()
    client.post(url, {"action": "accept", "explanation": explanation.pk, "comment": "属实"})
    explanation.refresh_from_db()
    assert explanation.status == ExplanationStatus.PENDING  # a decision without the page's fingerprint is refused
    client.post(url, {"action": "accept", "explanation": explanation.pk, "comment": "属实", "seen": seen})
    explanation.refresh_from_db()
    assert explanation.status == ExplanationStatus.ACCEPTED
    for bad in ({"action": "accept", "explanation": "x"}, {"action": "withdraw", "explanation": "999999"}):
        assert client.post(url, bad).status_code == 404
    page = client.get(reverse("evaluation-detail", args=[late_payment.pk])).content.decode()
    assert "已说明 1" in page


def test_a_rewrite_or_decision_on_words_changed_since_is_refused(world, late_payment):
    first = service.explain(evaluation=late_payment, user=world["evaluator_a"], key=KEY, text=TRUE_FACT)
    seen = service.fingerprint(first)
    later = service.explain(
        evaluation=late_payment, user=world["evaluator_a"], key=KEY, text=TRUE_FACT + "补充。", seen=seen
    )
    with pytest.raises(EditError, match="已被修改或撤回"):
        service.explain(evaluation=late_payment, user=world["evaluator_a"], key=KEY, text="旧页面上的改写", seen=seen)
    walk(world, "start_collecting", "start_scoring", "submit_review", evaluation=late_payment)
    with pytest.raises(EditError, match="已被修改或撤回"):  # the reviewer read the first words, not the rewrite
        service.decide(explanation=later, user=world["reviewer_a"], accept=True, comment="", seen=seen)
    later.refresh_from_db()
    assert (later.text, later.status) == (TRUE_FACT + "补充。", ExplanationStatus.PENDING)
    service.decide(
        explanation=later, user=world["reviewer_a"], accept=True, comment="", seen=service.fingerprint(later)
    )
    later.refresh_from_db()
    assert later.status == ExplanationStatus.ACCEPTED
