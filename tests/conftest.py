import pytest

from evaluations.models import OrganisationKind, TeamRole
from evaluations.models.roles import Role
from evaluations.queries.consistency.service import forget_answers
from reports import rendering
from tests.factories import EvaluationFactory, OrganisationFactory, TeamMemberFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_check_answers():
    """Each test starts with no remembered check answers, so query counts do not depend on the order tests ran."""
    forget_answers()


@pytest.fixture
def world(db):
    """Two evaluations of two units, commissioned by two bureaus, done by one firm,
    and a persona per role on each side: the A side may see evaluation A only."""
    firm = OrganisationFactory(name="评价机构甲", kind=OrganisationKind.FIRM)
    other_firm = OrganisationFactory(name="评价机构乙", kind=OrganisationKind.FIRM)
    bureau_a = OrganisationFactory(name="甲区财政局", kind=OrganisationKind.BUREAU)
    bureau_b = OrganisationFactory(name="乙区财政局", kind=OrganisationKind.BUREAU)
    unit_a = OrganisationFactory(name="甲区民政局")
    unit_b = OrganisationFactory(name="乙区民政局")
    eval_a = EvaluationFactory(
        title="甲区民政局部门整体绩效评价",
        evaluated_unit=unit_a,
        commissioning_bureau=bureau_a,
        evaluating_firm=firm,
    )
    eval_b = EvaluationFactory(
        title="乙区民政局部门整体绩效评价",
        evaluated_unit=unit_b,
        commissioning_bureau=bureau_b,
        evaluating_firm=other_firm,
    )
    people = {
        "evaluator_a": UserFactory(organisation=firm, role=Role.EVALUATOR),
        "evaluator_b": UserFactory(organisation=other_firm, role=Role.EVALUATOR),
        "reviewer_a": UserFactory(organisation=firm, role=Role.INTERNAL_REVIEWER),
        "unit_a": UserFactory(organisation=unit_a, role=Role.UNIT),
        "unit_b": UserFactory(organisation=unit_b, role=Role.UNIT),
        "bureau_a": UserFactory(organisation=bureau_a, role=Role.BUREAU),
        "bureau_b": UserFactory(organisation=bureau_b, role=Role.BUREAU),
        "admin": UserFactory(organisation=firm, role=Role.ADMIN, is_staff=True, is_superuser=True),
        "nobody": UserFactory(organisation=firm),
    }
    TeamMemberFactory(evaluation=eval_a, user=people["evaluator_a"], role=TeamRole.MANAGER)
    TeamMemberFactory(evaluation=eval_a, user=people["reviewer_a"], role=TeamRole.REVIEW_1)
    TeamMemberFactory(evaluation=eval_b, user=people["evaluator_b"], role=TeamRole.MANAGER)
    return {"a": eval_a, "b": eval_b, **people}


@pytest.fixture
def fake_pdf(monkeypatch):
    """Rendering replaced by a fixed PDF (the real renderer is exercised in test_report_pdf); the Word file stays
    real. Returns the contents handed to the renderer."""
    calls = []

    def render(content, progress=None):
        calls.append(content)
        if progress:
            progress(20, "排版")
        return rendering.RenderedPDF(b"%PDF-1.7 fake", 3, 0.1, 0.05)

    monkeypatch.setattr(rendering, "render_pdf_document", render)
    return calls
