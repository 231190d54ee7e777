import pytest

from evaluations.demo import load_demo
from evaluations.domain.editions import EditionError, open_new_edition
from evaluations.interchange.export import export_document
from evaluations.models import EvaluationState, User
from evaluations.queries.overview import bureau_overview


@pytest.fixture
def demo(db):
    return load_demo()


def approve(evaluation):
    evaluation.state = EvaluationState.APPROVED
    evaluation.save(update_fields=["state", "updated_at"])


def test_a_new_version_is_a_draft_copy_and_the_approved_one_stays_intact(demo):
    evaluation = demo["department"]
    evaluator = User.objects.get(username="evaluator")
    with pytest.raises(EditionError, match="直接修改"):
        open_new_edition(evaluation, user=evaluator)
    approve(evaluation)
    before = export_document(evaluation)
    with pytest.raises(EditionError, match="只有本评价小组的评价人员"):
        open_new_edition(evaluation, user=User.objects.get(username="bureau"))
    new = open_new_edition(evaluation, user=evaluator)
    assert new.pk != evaluation.pk and new.state == EvaluationState.DRAFT
    assert new.title.endswith("（第2版）") and new.supersedes == evaluation
    assert new.total_score == evaluation.total_score
    new.indicators.filter(name="部门考核").update(analysis="新版本的分析")
    assert export_document(evaluation) == before


def test_bureau_overview_counts_and_score_rates(demo):
    overview = bureau_overview(User.objects.get(username="bureau"))
    assert overview.by_year == {2022: 1}
    assert overview.by_grade == {"优": 1}
    rates = {name: rate for name, rate, count in overview.score_rates}
    assert str(rates["服务对象满意"]) == "62.50"  # 部门考核 1 + 好评 4 of 8
    assert overview.overdue == []
    everything = bureau_overview(User.objects.get(username="admin"))
    assert sum(everything.by_year.values()) == 2
