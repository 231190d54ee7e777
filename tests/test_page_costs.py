"""Pages whose cost does not grow with the data (issue 14): the same number of queries with one evaluation of each
kind as with several, for every page that lists evaluations (home, 待办, the list with its filters, search, sort and
pages, the review queue, the overview) and every admin list, search and change form. No timing: bench/pages.py
measures the time at province scale."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations.models import (
    Commission,
    CommissionState,
    Evaluation,
    EvaluationState,
    Finding,
    OrganisationKind,
    RectificationItem,
    RectificationStatus,
    StateChange,
    TeamRole,
    Transition,
)
from evaluations.queries.commissions import commission_inbox, commission_inbox_count
from evaluations.queries.inbox import inbox, inbox_count
from tests.factories import (
    EvaluationFactory,
    EvaluationIndicatorFactory,
    OrganisationFactory,
    TeamMemberFactory,
    UserFactory,
)

S = EvaluationState


def one_of_each(world: dict) -> None:
    """An evaluation in each state on which something may wait for the A side (team, unit, bureau), with its
    indicators, a finding, a rectification item, a return and a commission."""
    a = world["a"]
    for state in S:
        evaluation = EvaluationFactory(
            evaluated_unit=a.evaluated_unit,
            commissioning_bureau=a.commissioning_bureau,
            evaluating_firm=a.evaluating_firm,
            project=a.project,
        )
        TeamMemberFactory(evaluation=evaluation, user=world["evaluator_a"], role=TeamRole.MANAGER)
        TeamMemberFactory(evaluation=evaluation, user=world["reviewer_a"], role=TeamRole.REVIEW_1)
        parent = EvaluationIndicatorFactory(evaluation=evaluation, name="决策")
        EvaluationIndicatorFactory(evaluation=evaluation, parent=parent, name="立项依据")
        finding = Finding.objects.create(evaluation=evaluation, title="资金拨付不及时")
        for status in (RectificationStatus.PENDING, RectificationStatus.SUBMITTED):
            RectificationItem.objects.create(
                evaluation=evaluation,
                finding=finding,
                responsible_unit=a.evaluated_unit,
                deadline=dt.date(2020, 1, 1),
                status=status,
            )
        if state == S.SCORING:
            StateChange.objects.create(
                evaluation=evaluation,
                actor=world["reviewer_a"],
                transition=Transition.REJECT_REVIEW,
                from_state=S.INTERNAL_REVIEW,
                to_state=S.SCORING,
                comment="请补充。",
            )
        Commission.objects.create(
            bureau=a.commissioning_bureau,
            evaluated_unit=a.evaluated_unit,
            firm=a.evaluating_firm,
            kind=a.kind,
            year=2020 + Commission.objects.count(),
            deadline=dt.date(2030, 1, 1),
            state=CommissionState.OPEN if state == S.DRAFT else CommissionState.DECLINED,
            decline_reason="人手不足",
            created_by=world["bureau_a"],
        )
        Evaluation.objects.filter(pk=evaluation.pk).update(state=state, review_level=1)  # last: approval freezes


LIST_PAGES = [
    ("evaluator_a", "home", ""),
    ("evaluator_a", "inbox", ""),
    ("evaluator_a", "evaluation-list", "?year=2023&state=scoring"),
    ("evaluator_a", "evaluation-list", "?q=测试"),
    ("evaluator_a", "evaluation-list", "?sort=-year&page=2"),
    ("reviewer_a", "inbox", ""),
    ("unit_a", "home", ""),
    ("unit_a", "inbox", ""),
    ("bureau_a", "home", ""),
    ("bureau_a", "inbox", ""),
    ("bureau_a", "review-queue", ""),
    ("bureau_a", "bureau-overview", ""),
    ("admin", "evaluation-list", ""),
    ("admin", "bureau-overview", ""),
]


def admin_pages() -> list[tuple[str, str, str]]:
    pages = []
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        pages.append(("admin", f"{prefix}_changelist", ""))
        if model_admin.search_fields:
            pages.append(("admin", f"{prefix}_changelist", "?q=测试"))
        pages.append(("admin", f"{prefix}_change", "last"))
    return pages


def queries(client, world, pages) -> dict[tuple, int]:
    counts = {}
    for persona, name, query in pages:
        client.force_login(world[persona])
        if query == "last":
            app_model = name.removeprefix("admin:").removesuffix("_change")
            model = next(m for m in admin.site._registry if f"{m._meta.app_label}_{m._meta.model_name}" == app_model)
            last = model._default_manager.order_by("-pk").first()
            if last is None:
                continue
            url = reverse(name, args=[last.pk])
        else:
            url = reverse(name) + query
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[(persona, name, query)] = len(captured)
    return counts


@pytest.mark.django_db
def test_list_pages_cost_the_same_queries_for_more_evaluations(client, world):
    one_of_each(world)
    queries(client, world, LIST_PAGES)  # warm-up: content types and the like are read once per process
    before = queries(client, world, LIST_PAGES)
    for _ in range(3):
        one_of_each(world)
    assert queries(client, world, LIST_PAGES) == before


@pytest.mark.django_db
def test_admin_pages_cost_the_same_queries_for_more_evaluations(client, world):
    one_of_each(world)
    pages = admin_pages()
    queries(client, world, pages)  # warm-up: content types and the like are read once per process
    before = queries(client, world, pages)
    for _ in range(3):
        one_of_each(world)
    after = queries(client, world, pages)
    assert {page: count for page, count in after.items() if page in before} == before


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["evaluator_a", "reviewer_a", "unit_a", "bureau_a", "admin", "nobody"])
def test_the_navigation_counts_what_the_inbox_lists(world, persona):
    for _ in range(2):
        one_of_each(world)
    user = world[persona]
    assert inbox_count(user) == len(inbox(user))
    assert commission_inbox_count(user) == len(commission_inbox(user))
    if persona != "admin" and persona != "nobody":
        assert inbox_count(user) > 0


@pytest.mark.django_db
def test_the_inbox_page_is_paginated(client, world, monkeypatch):
    monkeypatch.setattr("evaluations.queries.inbox.INBOX_PAGE", 5)
    for _ in range(3):
        one_of_each(world)  # 3 × (submitted, consultation, rectification) wait for the bureau
    client.force_login(world["bureau_a"])
    total = inbox_count(world["bureau_a"])
    assert total == 9
    body = client.get(reverse("inbox")).content.decode()
    assert body.count('<li class="list-group-item"><a href="/evaluations/') == 5
    assert "第 1 / 2 页，共 9 项评价" in body
    body = client.get(reverse("inbox"), {"page": 2}).content.decode()
    assert body.count('<li class="list-group-item"><a href="/evaluations/') == 4
    waiting = total + commission_inbox_count(world["bureau_a"])
    assert f'待办 <span class="badge text-bg-warning">{waiting}</span>' in body


@pytest.mark.django_db
def test_admin_lists_of_organisations_and_accounts_cost_the_same_queries_for_more_rows(client, world):
    """Units under their bureau (a nullable parent: not followed by admin's own select_related) and accounts with
    their organisation and roles."""
    pages = [
        ("admin", "admin:evaluations_organisation_changelist", ""),
        ("admin", "admin:evaluations_user_changelist", ""),
    ]

    def more(count: int) -> None:
        for _ in range(count):
            unit = OrganisationFactory(kind=OrganisationKind.UNIT, parent=world["a"].commissioning_bureau)
            UserFactory(organisation=unit)

    more(2)
    queries(client, world, pages)  # warm-up
    before = queries(client, world, pages)
    more(8)
    assert queries(client, world, pages) == before
