import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from evaluations.demo import load_demo
from evaluations.domain.editions import EditionError, open_new_edition
from evaluations.domain.evidence import delete_evidence, store_evidence
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


def test_a_new_version_carries_the_evidence_with_its_links_as_its_own_files(
    demo, settings, tmp_path, django_capture_on_commit_callbacks
):
    """Finding 17: version 2 had none of the approved version's files."""
    settings.MEDIA_ROOT = tmp_path
    evaluation = demo["department"]
    evaluator = User.objects.get(username="evaluator")
    indicator = evaluation.indicators.get(name="部门考核")
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    store_evidence(
        evaluation=evaluation,
        uploads=[SimpleUploadedFile(n, pdf + n.encode(), content_type="application/pdf") for n in ("甲.pdf", "乙.pdf")],
        user=evaluator,
        description="批复文件",
        indicator_ids=[indicator.pk],
        table_keys=["dept_key_figures"],
    )
    approve(evaluation)
    old = {item.original_name: item for item in evaluation.evidence.all()}
    new = open_new_edition(evaluation, user=evaluator)

    copies = {item.original_name: item for item in new.evidence.prefetch_related("indicators", "tables")}
    assert copies.keys() == old.keys()
    for name, copy in copies.items():
        assert copy.file.name != old[name].file.name and copy.file.read() == pdf + name.encode()
        assert (copy.sha256, copy.description, copy.uploaded_by, copy.uploaded_at) == (
            old[name].sha256, "批复文件", evaluator, old[name].uploaded_at,
        )  # fmt: skip
        assert [(i.evaluation_id, i.name) for i in copy.indicators.all()] == [(new.pk, "部门考核")]
        assert [(t.evaluation_id, t.key) for t in copy.tables.all()] == [(new.pk, "dept_key_figures")]
    with django_capture_on_commit_callbacks(execute=True):
        delete_evidence(copies["甲.pdf"])
    assert old["甲.pdf"].file.storage.exists(old["甲.pdf"].file.name)  # the approved version keeps its file
