"""factory_boy factories and role personas for tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from evaluations.domain.workflow import perform
from evaluations.models import (
    Evaluation,
    EvaluationIndicator,
    Organisation,
    OrganisationKind,
    Project,
    TeamMember,
    TeamRole,
    User,
)
from evaluations.models.roles import Role
from rubrics.models import EvaluationKind, IndicatorTemplate, TemplateIndicator


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = OrganisationKind.UNIT
    region = "测试区"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.PostGenerationMethodCall("set_password", "pw-12345")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get_or_create(name=Role(extracted).value)[0])
        self.save()


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    unit = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"测试项目{n}")


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evaluation

    kind = EvaluationKind.DEPARTMENT
    title = factory.Sequence(lambda n: f"测试评价{n}")
    evaluated_unit = factory.SubFactory(OrganisationFactory)
    year = 2023
    period_start = date(2023, 1, 1)
    period_end = date(2023, 12, 31)
    commissioning_bureau = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.BUREAU)
    evaluating_firm = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.FIRM)


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMember

    evaluation = factory.SubFactory(EvaluationFactory)
    user = factory.SubFactory(UserFactory)
    name = factory.LazyAttribute(lambda o: o.user.full_name if o.user else "成员")
    role = TeamRole.MEMBER


class TemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorTemplate

    name = factory.Sequence(lambda n: f"测试模板{n}")
    kind = EvaluationKind.PROJECT


class TemplateIndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TemplateIndicator

    template = factory.SubFactory(TemplateFactory)
    name = factory.Sequence(lambda n: f"指标{n}")
    weight = Decimal(10)


class EvaluationIndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluationIndicator

    evaluation = factory.SubFactory(EvaluationFactory)
    name = factory.Sequence(lambda n: f"评价指标{n}")
    weight = Decimal(10)


def three_level_template(**kwargs) -> IndicatorTemplate:
    """决策 40 (立项 40: 依据 25 + 程序 15) and 产出 60 (数量 60: 完成率 60)."""
    template = TemplateFactory(**kwargs)
    decision = TemplateIndicatorFactory(template=template, name="决策", weight=40, order=1)
    setup = TemplateIndicatorFactory(template=template, parent=decision, name="项目立项", weight=40)
    TemplateIndicatorFactory(
        template=template, parent=setup, name="立项依据充分性", weight=25, rule_kind="binary", order=1
    )
    TemplateIndicatorFactory(
        template=template, parent=setup, name="立项程序规范性", weight=15, rule_kind="binary", order=2
    )
    output = TemplateIndicatorFactory(template=template, name="产出", weight=60, order=2)
    quantity = TemplateIndicatorFactory(template=template, parent=output, name="产出数量", weight=60)
    TemplateIndicatorFactory(
        template=template,
        parent=quantity,
        name="实际完成率",
        weight=60,
        rule_kind="ratio",
        rule_params={"cap": 1},
    )
    return template


def small_scored_report(evaluation: Evaluation, *, review_levels: int | None = None) -> Evaluation:
    """A small scored indicator system (产出 → 完成率, met) and a finished text, so a render takes a second, not ten;
    ``review_levels`` sets the firm's number of internal review levels first."""
    if review_levels is not None:
        evaluation.evaluating_firm.review_levels = review_levels
        evaluation.evaluating_firm.save()
    root = EvaluationIndicatorFactory(evaluation=evaluation, name="产出", weight=100, order=1)
    EvaluationIndicatorFactory(
        evaluation=evaluation, parent=root, name="完成率", weight=100, rule_kind="binary", inputs={"met": True}
    )
    return complete_report(evaluation)


def complete_report(evaluation: Evaluation) -> Evaluation:
    """Everything the check asks for before submission: one scored indicator (weight 100), every required section
    written, one experience, finding and recommendation. Returns the evaluation with its score recomputed."""
    from evaluations.domain.scoring import recompute_scores
    from evaluations.models import Experience, Finding, NarrativeSection, Recommendation
    from evaluations.sections import SECTIONS

    if not evaluation.indicators.exists():
        EvaluationIndicatorFactory(
            evaluation=evaluation, name="履职效能", weight=100, rule_kind="binary", rule_params={}, inputs={"met": True}
        )
    for section in SECTIONS[evaluation.kind]:
        if not section.optional:
            NarrativeSection.objects.update_or_create(
                evaluation=evaluation, key=section.key, defaults={"text": f"{section.title}的内容。"}
            )
    for model, title in ((Experience, "经验"), (Finding, "问题"), (Recommendation, "建议")):
        if not model.objects.filter(evaluation=evaluation).exists():
            model.objects.create(evaluation=evaluation, title=title, text=f"{title}的说明。")
    recompute_scores(evaluation)
    evaluation.refresh_from_db()
    return evaluation


# --- the workflow, as the `world` fixture's personas perform it ----------------------------------------------

WORLD_PERSONAS = {
    "start_collecting": "evaluator_a",
    "start_scoring": "evaluator_a",
    "submit_review": "evaluator_a",
    "pass_review": "reviewer_a",
    "submit": "evaluator_a",
    "approve": "bureau_a",
}
TO_CONSULTATION = ("start_collecting", "start_scoring", "submit_review", "pass_review")
# The opinions the signed steps require (复核意见, 审批意见).
OPINIONS = {"pass_review": "已复核，数据与报告一致，同意通过。", "approve": "同意该评价报告。"}


def walk(world: dict, *steps: str, evaluation: Evaluation | None = None, capture=None) -> Evaluation:
    """Evaluation A (or ``evaluation``) through workflow steps, each by its persona of the ``world`` fixture, with
    one review level. ``capture``: pytest-django's django_capture_on_commit_callbacks, to run each step's
    after-commit work (the hand-off's report) as after a real commit."""
    evaluation = evaluation or world["a"]
    evaluation.evaluating_firm.review_levels = 1
    evaluation.evaluating_firm.save()
    for step in steps:
        opinion = OPINIONS.get(step, "")
        if capture is None:
            perform(evaluation, step, user=world[WORLD_PERSONAS[step]], comment=opinion)
        else:
            with capture(execute=True):
                perform(evaluation, step, user=world[WORLD_PERSONAS[step]], comment=opinion)
    evaluation.refresh_from_db()
    return evaluation
