import io

import pytest
from django.core.management import call_command

from evaluations.demo import ACCOUNTS, DEMO_PASSWORD, load_demo
from evaluations.models import Evaluation, User
from tests.factories import OPINIONS

DUMPED = ["evaluations", "rubrics", "auth.group"]


def dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", *DUMPED, stdout=out, indent=1)
    return out.getvalue()


# The command also builds the lifecycle evaluations (tests/test_demo_life.py); these tests need the seeds only.


@pytest.mark.django_db
def test_load_demo_twice_gives_the_same_database():
    load_demo()
    first = dump()
    load_demo()
    assert dump() == first


@pytest.mark.django_db
def test_demo_accounts_log_in_and_see_their_own_evaluations(client):
    load_demo()
    expected = {
        "evaluator": {"project", "department"},
        "reviewer": {"project", "department"},
        "reviewer1": {"project", "department"},
        "reviewer3": {"project", "department"},
        "unit": {"department"},
        "bureau": {"department"},
        "unit_luohu": {"project"},
        "bureau_luohu": {"project"},
        "admin": {"project", "department"},
    }
    assert {a.username for a in ACCOUNTS} | {"admin"} == set(expected)
    for username, kinds in expected.items():
        # Through the login page: django-axes checks every sign-in against its request.
        assert client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD}).status_code == 302
        body = client.get("/").content.decode()
        for evaluation in Evaluation.objects.all():
            assert (evaluation.title in body) == (evaluation.kind in kinds), (username, evaluation.title)
        client.logout()


@pytest.mark.django_db
def test_every_demo_user_belongs_to_an_organisation():
    load_demo()
    assert not User.objects.filter(organisation__isnull=True).exists()


@pytest.mark.django_db
def test_list_evaluations_prints_one_tab_separated_line_each():
    load_demo()
    out = io.StringIO()
    call_command("list_evaluations", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == Evaluation.objects.count() == 2
    for line in lines:
        fields = line.split("\t")
        assert len(fields) == 7
        assert fields[1] in {"project", "department"}
        assert fields[6] == "草稿"  # the state, as the pages name it


@pytest.mark.django_db
def test_the_demo_walks_through_every_state_with_the_demo_accounts():
    from evaluations.domain.review import add_consultation_comment, answer_consultation_comment
    from evaluations.domain.workflow import perform
    from evaluations.models import EvaluationState, Finding
    from evaluations.queries.consistency import check_evaluation, has_errors

    evaluation = load_demo()["department"]
    users = {u.username: u for u in User.objects.all()}
    steps = [
        ("start_collecting", "evaluator"),
        ("start_scoring", "evaluator"),
        ("submit_review", "evaluator"),
        ("pass_review", "reviewer1"),
        ("pass_review", "reviewer"),
        ("pass_review", "reviewer3"),
    ]
    for name, username in steps:
        perform(evaluation, name, user=users[username], comment=OPINIONS.get(name, ""))
    evaluation.refresh_from_db()
    assert evaluation.state == EvaluationState.CONSULTATION
    comment = add_consultation_comment(
        evaluation=evaluation,
        user=users["unit"],
        text="公墓覆盖率数据已更新",
        finding=Finding.objects.filter(evaluation=evaluation).first(),
    )
    answer_consultation_comment(comment=comment, user=users["evaluator"], decision="adopted", reason="已核实")
    # The evaluator settles the seed's own errors: reasons for the awards, the misquoted rates corrected.
    for leaf in evaluation.indicators.filter(awarded_score__isnull=False, override_reason=""):
        leaf.override_reason = "评价小组综合现场核查情况评定"
        leaf.save()
    corrections = {
        "在职人员控制率为 1.09%": "在职人员控制率为 117.65%",
        "政府采购执行率为 100%": "政府采购执行率为 101.17%",
        "“三公经费”控制率为 70%": "“三公经费”控制率为 68%",
        "3542.65": "3540.57",  # 基础表4 adds up to 3,540.57 万元 …
        "3540.56": "3540.57",
        "68.42%": "68.38%",  # … and 68.38 %
        "项目预算执行率 88.89%": "项目支出占全年支出的 88.89%",
        "实际在用固定资产价值 5140.09 元": "实际在用固定资产价值 5140.09 万元",
    }

    def corrected(text):
        for wrong, right in corrections.items():
            text = text.replace(wrong, right)
        return text

    for leaf in evaluation.indicators.exclude(analysis=""):
        text = corrected(leaf.analysis)
        if leaf.weight == 4:  # 附件 1's weight 4 and score 4, where section 四 printed 3
            text = text.replace("该指标得 100%权重分，即 3 分", "该指标得 100%权重分，即 4 分")
        if text != leaf.analysis:
            leaf.analysis = text
            leaf.save()
    for section in evaluation.narrative.all():
        if corrected(section.text) != section.text:
            section.text = corrected(section.text)
            section.save()
    assert not has_errors(check_evaluation(evaluation)), [p.message for p in check_evaluation(evaluation)]
    for name, username in [("submit", "evaluator"), ("approve", "bureau"), ("start_rectification", "bureau")]:
        perform(evaluation, name, user=users[username], comment=OPINIONS.get(name, ""))
    evaluation.refresh_from_db()
    assert evaluation.state == EvaluationState.RECTIFICATION
    assert evaluation.state_changes.count() == 9
    assert evaluation.rectification_items.count() == evaluation.findings.count()
