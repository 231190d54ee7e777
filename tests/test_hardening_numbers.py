"""Issue 14, findings 1, 12 and 15: every number bounded before arithmetic, and numbers and dates that cannot be
real refused with a Chinese message, in the one place each is parsed (rubrics.numbers, datatables.spec)."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.urls import reverse

from evaluations.datatables import spec_for
from evaluations.datatables.spec import CellError, Column
from evaluations.domain.indicator_tree import parse_params
from evaluations.interfaces.forms import EvaluationBasicsForm
from evaluations.models import DataTable, EvaluationIndicator
from rubrics.document import iso_date
from rubrics.engine import validate_rule
from rubrics.numbers import ascii_digits, bounded_decimal, exact
from tests.test_editing_services import build_tree
from tests.test_tables_views import form_data, url

ABSURD = ["1e1000000", "1e999999999", "9" * 400, str(10**30), "1e308", 1e308, 10**30, Decimal("1e308")]


@pytest.mark.parametrize("value", ABSURD, ids=lambda value: repr(value)[:20])
def test_absurd_numbers_are_not_numbers_and_cost_nothing(value):
    started = time.monotonic()
    assert exact(value) is None
    assert bounded_decimal(value) is None
    assert time.monotonic() - started < 0.1


@pytest.mark.parametrize("kind", ["money", "number", "integer", "percent"])
@pytest.mark.parametrize("value", ABSURD, ids=lambda value: repr(value)[:20])
def test_a_table_cell_refuses_absurd_numbers_with_a_message(kind, value):
    column = Column("x", "金额", kind, "万元" if kind == "money" else "")
    with pytest.raises(CellError, match=r"不是合理的数字|不是数字"):
        column.parse(value)


def test_a_table_of_huge_numbers_answers_a_message_and_saves_nothing(client, world):
    client.force_login(world["evaluator_a"])
    rows = [{"source": "区级资金", "name": "救助", "budget": "9" * 400, "paid": str(10**30)}]
    response = client.post(url("evaluation-table", world["a"], "dept_projects"), form_data("dept_projects", rows, 1))
    assert response.status_code == 200
    assert "不是合理的数字" in response.content.decode()
    assert not DataTable.objects.filter(evaluation=world["a"], key="dept_projects", version__gt=1).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"in-actual": "1e1000000", "in-target": "10"},
        {"in-actual": "1e999999999", "in-target": "10"},
        {"in-actual": "9", "in-target": "10", "awarded_score": "1e308", "override_reason": "酌情"},
        {"in-actual": "9", "in-target": "10", "awarded_score": str(10**30), "override_reason": "酌情"},
    ],
)
def test_absurd_scoring_inputs_and_awarded_scores_answer_a_message(client, world, data):
    node = build_tree(world["a"])["ratio"]
    client.force_login(world["evaluator_a"])
    started = time.monotonic()
    response = client.post(
        reverse("evaluation-indicator-score", args=[world["a"].pk, node.pk]),
        {"version": node.version, **data},
        HTTP_ACCEPT="application/json",
    )
    assert time.monotonic() - started < 5
    assert response.status_code == 400
    assert "数字" in str(response.json()["errors"]) or "分" in str(response.json()["errors"])
    assert EvaluationIndicator.objects.get(pk=node.pk).version == node.version


# --- finding 15: data quality ------------------------------------------------------------------------


def test_money_and_counts_refuse_negatives_unless_the_column_allows_them():
    paid = spec_for("dept_projects").column("paid")
    with pytest.raises(CellError, match="不能为负数"):
        paid.parse("-5")
    with pytest.raises(CellError, match="不能为负数"):
        Column("n", "人数", "integer", "人").parse("-3")
    assert spec_for("dept_key_figures").column("adjustment").parse("-21.15") == Decimal("-21.150000")


def test_a_percent_sign_is_refused_in_a_money_column_and_read_in_a_percent_column():
    with pytest.raises(CellError, match="百分号"):
        spec_for("dept_projects").column("paid").parse("12%")
    with pytest.raises(CellError, match="百分号"):
        spec_for("dept_projects").column("paid").parse("12％")
    assert Column("r", "比率", "percent").parse("12%") == Decimal(12)


@pytest.mark.parametrize("typed", ["１２．５", "١٢٫٥", "۱۲.۵", "12.5"])
def test_full_width_and_arabic_indic_digits_read_as_the_same_number(typed):
    assert ascii_digits(typed) == "12.5"
    assert exact(typed) == exact("12.5")
    assert spec_for("dept_projects").column("paid").parse(typed) == Decimal("12.50")


@pytest.mark.parametrize("typed", ["0001-01-01", "9999-12-31", dt.date(1, 1, 1), dt.datetime(9999, 12, 31)])
def test_implausible_dates_are_refused(typed):
    with pytest.raises(CellError, match="不合理"):
        Column("d", "发文日期", "date").parse(typed)


def test_plausible_and_full_width_dates_are_read():
    column = Column("d", "发文日期", "date")
    assert column.parse("２０２３年１月２０日") == dt.date(2023, 1, 20)
    assert column.parse("2017-12-27") == dt.date(2017, 12, 27)


def test_forms_and_documents_refuse_implausible_dates():
    form = EvaluationBasicsForm({"title": "评价", "period_start": "0001-01-01", "period_end": "9999-12-31"})
    assert not form.is_valid()
    assert "不合理" in str(form.errors["period_start"]) and "不合理" in str(form.errors["period_end"])
    errors: list[str] = []
    assert iso_date("0001-01-01", "文档", errors) is None
    assert "不合理" in errors[0]


@pytest.mark.parametrize("number", ["1e999999999", "1e308", "9" * 400])
def test_absurd_rule_parameters_are_refused_without_expanding_them(number):
    started = time.monotonic()
    params = parse_params('{"cap": ' + number + "}")
    assert time.monotonic() - started < 1
    assert validate_rule("ratio", params, Decimal(10))
