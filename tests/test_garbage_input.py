import pytest
from django.urls import reverse

GARBAGE = {
    "member": "x",
    "item": "abc",
    "finding": "1x",
    "target": "zz",
    "indicator": "q",
    "version": "v",
    "edit": "e",
    "comment": "c",
    "rows": "not json",
    "text": "t",
    "weight": "w",
}


@pytest.mark.parametrize("persona", ["evaluator_a", "admin"])
def test_garbage_posts_and_queries_never_answer_500(client, world, persona):
    from tests.factories import EvaluationIndicatorFactory

    EvaluationIndicatorFactory(
        evaluation=world["a"], name="部门考核", weight=100, rule_kind="binary", inputs={"met": True}
    )
    client.raise_request_exception = False
    client.force_login(world[persona])
    pk = world["a"].pk
    names = [
        "evaluation-team",
        "evaluation-indicators",
        "evaluation-scoring",
        "evaluation-evidence",
        "evaluation-findings",
        "evaluation-research",
        "evaluation-tables",
        "evaluation-reports",
        "evaluation-consultation",
        "evaluation-rectification",
        "evaluation-verify",
        "evaluation-review",
    ]
    for name in names:
        url = reverse(name, args=[pk])
        assert client.get(url, GARBAGE).status_code != 500, name
        assert client.post(url, GARBAGE).status_code != 500, name
    for name, extra in (
        ("evaluation-table", "dept_staffing"),
        ("evaluation-narrative-section", "purpose"),
        ("evaluation-table-excel", "dept_staffing"),
    ):
        url = reverse(name, args=[pk, extra])
        assert client.post(url, GARBAGE).status_code != 500, name
