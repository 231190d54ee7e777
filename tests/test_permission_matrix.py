"""The permission matrix: every role × every page of an evaluation × own/other organisation × every state.

Whatever the combination, no page answers 500; another organisation's evaluation is always 404; the
evaluated unit and the bureau never see scores or drafts before consultation; and no write succeeds for people
who may not write (checked on the pages' POST endpoints). Then content: what each side reads in every page,
download and export of the demo (the firm's internal texts never reach the unit or the bureau).
"""

import io
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase
from django.urls import reverse

from evaluations import demo_life
from evaluations.models import Evaluation, EvaluationState, TeamRole, User
from evaluations.queries import access
from evaluations.queries.consistency import check_evaluation
from tests import crawl
from tests.factories import EvaluationIndicatorFactory, TeamMemberFactory

# GET pages of one evaluation: (url name, extra args builder)
PAGES = [
    ("evaluation-detail", None),
    ("evaluation-tables", None),
    ("evaluation-table", "table"),
    ("evaluation-table-excel", "table"),
    ("evaluation-workbook", None),
    ("evaluation-indicators", None),
    ("evaluation-scoring", None),
    ("evaluation-evidence", None),
    ("evaluation-narrative", None),
    ("evaluation-narrative-section", "section"),
    ("evaluation-analysis", None),
    ("evaluation-analysis-draft-all", None),
    ("evaluation-findings", None),
    ("evaluation-research", None),
    ("evaluation-team", None),
    ("evaluation-reports", None),
    ("evaluation-report-status", None),
    ("evaluation-audit", None),
    ("evaluation-consultation", None),
    ("consultation-ledger", None),
    ("evaluation-review", None),
    ("evaluation-rectification", None),
    ("evaluation-verify", None),
]
SCORE_PAGES = {
    "evaluation-scoring",
    "evaluation-indicators",
    "evaluation-narrative",
    "evaluation-analysis",
    "evaluation-analysis-draft-all",
    "evaluation-findings",
    "evaluation-research",
    "evaluation-reports",
}  # the audit page opens for all: the firm reads its change log, the others the hand-offs (content tests below)
BEFORE_SHARING = {
    EvaluationState.DRAFT,
    EvaluationState.COLLECTING,
    EvaluationState.SCORING,
    EvaluationState.INTERNAL_REVIEW,
    EvaluationState.RETURNED,
}
SIDE_A = ["evaluator_a", "reviewer_a", "unit_a", "bureau_a", "admin"]
SIDE_B = ["evaluator_b", "unit_b", "bureau_b", "nobody"]


def url(name, extra, evaluation):
    args = [evaluation.pk]
    if extra == "table":
        args.append("project_funds" if evaluation.kind == "project" else "dept_staffing")
    elif extra == "section":
        args.append("purpose")
    return reverse(name, args=args)


@pytest.fixture
def scored(world):
    evaluation = world["a"]
    EvaluationIndicatorFactory(
        evaluation=evaluation, name="部门考核", weight=100, rule_kind="binary", inputs={"met": True}
    )
    TeamMemberFactory(evaluation=evaluation, user=None, name="二级复核人", role=TeamRole.REVIEW_2)
    return world


@pytest.mark.parametrize("state", EvaluationState.values)
def test_every_role_every_page_every_state(client, scored, state):
    evaluation = scored["a"]
    evaluation.state = state
    evaluation.save(update_fields=["state", "updated_at"])
    for persona in SIDE_A + SIDE_B:
        client.force_login(scored[persona])
        for name, extra in PAGES:
            status = client.get(url(name, extra, evaluation)).status_code
            where = (persona, name, state)
            assert status in {200, 302, 403, 404}, where
            if persona in SIDE_B:
                assert status == 404, where
            if persona in {"unit_a", "bureau_a"} and state in BEFORE_SHARING and name in SCORE_PAGES:
                assert status in {403, 404}, where


WRITES = [
    ("evaluation-table", "table", {"rows": "[]", "version": "1"}),
    ("evaluation-narrative-section", "section", {"text": "越权写入", "version": "0"}),
    ("evaluation-analysis-draft-all", None, {"mode": "all"}),
    ("evaluation-transition", None, {}),
    ("evaluation-report-generate", None, {}),
    ("evaluation-new-version", None, {}),
]


@pytest.mark.parametrize("persona", ["bureau_a", "reviewer_a", "unit_b", "evaluator_b", "nobody"])
def test_people_who_may_not_write_change_nothing(client, scored, persona):
    evaluation = scored["a"]
    client.force_login(scored[persona])
    before = (evaluation.narrative.count(), evaluation.data_tables.count(), evaluation.state_changes.count())
    for name, extra, data in WRITES:
        if name == "evaluation-transition":
            target = reverse(name, args=[evaluation.pk, "start_collecting"])
        else:
            target = url(name, extra, evaluation)
        status = client.post(target, data).status_code
        assert status in {302, 403, 404, 405}, (persona, name, status)
    evaluation.refresh_from_db()
    assert evaluation.state == EvaluationState.DRAFT
    assert (evaluation.narrative.count(), evaluation.data_tables.count(), evaluation.state_changes.count()) == before


# --- content: what each side reads in every page, download and export -----------------------------------
#
# The demo's lifecycle evaluations (evaluations.demo_life) in every state, built once for this module through the
# services (hand-off reports rendered inline), beside the two seed drafts. The evaluated units and the bureaus crawl
# every page and download they can reach; none may contain the firm's internal texts. The firm still reads them.

OUTSIDERS = ["unit", "unit_luohu", "bureau", "bureau_luohu"]
# The first-level reviewer's return of the 2024 project evaluation (an internal review comment).
INTERNAL_RETURN = demo_life._sent_back(2024)
# The internal reviewer's decision on the team's explanations of check errors.
INTERNAL_DECISION = demo_life.ACCEPTED
# Old words of the corrections demo_edits makes: once corrected, only the firm's change log holds them.
CHANGE_LOG = [
    "在职人员控制率为 1.09%",
    "政府采购执行率为 100%",
    "实际在用固定资产价值 5140.09 元",
    "2013 年 2 月 17 日",
]
# The consistency check's links and the draft's problem list; the internal review steps of the timeline.
INTERNAL_CHECK = ["一致性检查", "去修改 →", "去填写 →", "尚未解决的问题清单"]
INTERNAL_STEPS = ["提交内部复核", "复核通过", "一级审核退回", "二级复核退回", "三级审核退回"]
FORBIDDEN = [INTERNAL_RETURN, INTERNAL_DECISION, *CHANGE_LOG, *INTERNAL_CHECK, *INTERNAL_STEPS]
EVALUATION_PATH = re.compile(r"^/evaluations/(\d+)/")


@pytest.fixture(scope="module")
def demo_built(django_db_setup, django_db_blocker):
    """load_demo once for the module, each step committed in turn (its hand-off reports rendered)."""
    with django_db_blocker.unblock(), transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command("load_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(db, demo_built):
    return {user.username: user for user in User.objects.all()}


def _life(seed: str, year: int) -> Evaluation:
    return Evaluation.objects.get(title=demo_life._header(seed, year)[1])


def _check_messages(user, evaluation: Evaluation) -> list[str]:
    """The check's findings on an evaluation, as words that must not reach this user (what the unit filling the
    tables is shown about them, and the explained errors the bureau decides and the report prints, aside)."""
    messages = []
    for problem in check_evaluation(evaluation):
        if problem.explanation is not None or len(problem.message) < 12:
            continue
        if problem.anchor.startswith("table-") and access.can_view_table_checks(user, evaluation):
            continue
        messages.append(problem.message)
    return messages


@pytest.mark.slow
@pytest.mark.parametrize("persona", OUTSIDERS)
def test_the_unit_and_the_bureau_never_read_the_firms_internal_texts(client, demo, persona):
    user = demo[persona]
    visible = list(access.evaluations_for_user(user).order_by("pk"))
    client.force_login(user)
    starts = ["/", reverse("inbox"), reverse("evaluation-list"), reverse("review-queue"), reverse("bureau-overview")]
    starts += [reverse("evaluation-detail", args=[evaluation.pk]) for evaluation in visible]

    def allowed(path: str) -> bool:
        match = EVALUATION_PATH.match(path)
        return match is None or int(match.group(1)) in {evaluation.pk for evaluation in visible}

    reached = crawl.crawl(client, starts, allowed)
    refused = [url for url, status in reached.statuses.items() if status == 403 and url not in starts]
    assert refused == []  # every link shown to them opens: nothing of the firm's is even offered
    states = {evaluation.state for evaluation in visible}
    assert {EvaluationState.DRAFT, EvaluationState.INTERNAL_REVIEW} <= states  # work in progress …
    assert states & {EvaluationState.SUBMITTED, EvaluationState.APPROVED}  # … and work handed on
    kinds = {"/reports/", "/download/", "/audit/", ".xlsx", "/ledger/"}
    assert all(any(kind in url for url in reached.texts) for kind in kinds), persona  # pages, downloads, exports
    if EvaluationState.APPROVED in states:
        assert any("/archive/" in url for url in reached.texts)
    forbidden = FORBIDDEN + [message for evaluation in visible for message in _check_messages(user, evaluation)]
    leaks = [f"{words[:40]} → {urls[:6]}" for words in forbidden if (urls := reached.containing(words))]
    assert leaks == []


def _all_pages(client, url: str, **params) -> str:
    """Every page of a paginated list, one after the other."""
    texts, page = [], 1
    while True:
        body = client.get(url, {**params, "page": page}).content.decode()
        texts.append(crawl.html_text(body))
        if "下一页" not in body:
            return "".join(texts)
        page += 1


@pytest.mark.slow
@pytest.mark.parametrize("persona", ["evaluator", "reviewer1"])
def test_the_firms_members_still_read_them(client, demo, persona):
    """The same texts are there for the firm: the crawl above would find them if they leaked."""
    client.force_login(demo[persona])
    returned, submitted, approved = _life("project", 2024), _life("department", 2021), _life("project", 2022)
    seed = _life("project", 2023)  # the seed itself: a draft with its errors
    workflow = crawl.squeeze(_all_pages(client, reverse("evaluation-audit", args=[returned.pk]), part="流程"))
    assert crawl.squeeze(INTERNAL_RETURN) in workflow and "一级审核退回修改" in workflow and "三级审核通过" in workflow
    text = crawl.squeeze(_all_pages(client, reverse("evaluation-audit", args=[returned.pk]), part="正文"))
    assert "2013年2月17日" in text
    text = crawl.squeeze(_all_pages(client, reverse("evaluation-audit", args=[submitted.pk]), part="正文"))
    assert all(crawl.squeeze(words) in text for words in CHANGE_LOG[:3])
    explanations = client.get(reverse("evaluation-explanations", args=[approved.pk])).content.decode()
    assert INTERNAL_DECISION in explanations
    detail = client.get(reverse("evaluation-detail", args=[seed.pk])).content.decode()
    assert "去修改 →" in detail and "一致性检查" in detail
