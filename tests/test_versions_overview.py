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


def test_the_bureau_overview_counts_the_seed_drafts_apart_from_scores_and_grades(demo):
    """The seeds are drafts with a provisional 优: they are counted as in progress, never as a grade."""
    overview = bureau_overview(User.objects.get(username="bureau"))
    assert [(s.label, s.count, s.counted) for s in overview.by_state] == [("草稿", 1, False)]
    assert (overview.total, overview.counted, overview.in_progress) == (1, 0, 1)
    assert overview.by_grade == overview.by_year == overview.level_one == []
    assert overview.template is None
    everything = bureau_overview(User.objects.get(username="admin"))
    assert (everything.total, everything.in_progress) == (2, 2)
    approve(demo["department"])
    overview = bureau_overview(User.objects.get(username="bureau"))
    assert [(g.label, g.count, g.average) for g in overview.by_grade] == [("优", 1, demo["department"].total_score)]
    assert overview.template.name == demo["department"].template.name
    rates = {r.name: r.average_rate for r in overview.level_one}
    assert str(rates["服务对象满意"]) == "62.50"  # 部门考核 1 + 好评 4 of 8
