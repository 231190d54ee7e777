import datetime as dt
from decimal import Decimal

import pytest

from evaluations.datatables import TABLES, spec_for, tables_for_kind
from evaluations.datatables.rows import TableInputError
from evaluations.datatables.spec import CellError
from evaluations.domain.datatables import StaleTableError, save_table
from evaluations.models import DataTable
from evaluations.queries.datatables import evaluation_tables
from rubrics.models import EvaluationKind
from tests.factories import EvaluationFactory


def test_every_kind_has_its_tables():
    assert {s.code for s in tables_for_kind("project")} >= {"表1-1", "表1-2", "表3-2"}
    assert {s.code for s in tables_for_kind("department")} >= {f"基础表{n}" for n in range(1, 7)} | {
        "收支预算总表",
        "预决算对比表",
        "三公经费表",
    }


def test_column_keys_are_unique_per_table():
    for spec in TABLES.values():
        keys = [column.key for column in spec.columns]
        assert len(keys) == len(set(keys)), spec.key


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,234.5", Decimal("1234.500000")),
        (94.19, Decimal("94.190000")),
        ("  36 ", Decimal("36.000000")),
        (0, Decimal("0E-6")),
    ],
)
def test_money_cells_parse_to_decimal(raw, expected):
    assert spec_for("funds_use").column("amount").parse(raw) == expected


@pytest.mark.parametrize("raw", ["六百万", "12a", "1.2.3", True])
def test_money_cells_refuse_text(raw):
    with pytest.raises(CellError, match="不是数字"):
        spec_for("funds_use").column("amount").parse(raw)


def test_dates_parse_in_chinese_and_iso_forms():
    column = spec_for("disbursements").column("paid_on")
    assert column.parse("2023年1月20日") == dt.date(2023, 1, 20)
    assert column.parse("2023-01-20") == dt.date(2023, 1, 20)
    with pytest.raises(CellError, match="不是有效日期"):
        column.parse("2023-02-30")


def test_choices_are_enforced():
    with pytest.raises(CellError, match="不在可选值"):
        spec_for("dept_projects").column("source").parse("省级资金")


@pytest.mark.django_db
def test_save_table_refuses_the_whole_upload_and_names_every_bad_cell():
    evaluation = EvaluationFactory(kind=EvaluationKind.DEPARTMENT)
    rows = [
        {"source": "区级资金", "name": "社会救助经费", "budget": "50000", "paid": "0"},
        {"source": "区级资金", "name": "公益性公墓建设资金", "budget": "六百万", "paid": "0"},
        {"source": "区级资金", "name": "", "budget": "1", "paid": "x"},
    ]
    with pytest.raises(TableInputError) as excinfo:
        save_table(evaluation=evaluation, key="dept_projects", rows=rows)
    messages = [str(p) for p in excinfo.value.problems]
    assert "第2行 预算数（元）：「六百万」不是数字" in messages
    assert "第3行 项目名称：必须填写" in messages
    assert "第3行 实际支付资金数（元）：「x」不是数字" in messages
    assert "基础表4" in str(excinfo.value)
    assert not DataTable.objects.filter(evaluation=evaluation, rows__isnull=False).exists()


@pytest.mark.django_db
def test_save_over_a_newer_version_is_refused_and_changes_nothing():
    evaluation = EvaluationFactory(kind=EvaluationKind.PROJECT)
    rows = [{"name": "困难群体补助", "initial": "257", "adjusted": "226.5"}]
    table = save_table(evaluation=evaluation, key="sub_item_budgets", rows=rows, expected_version=1)
    assert table.version == 2
    with pytest.raises(StaleTableError, match=r"版本 2.*版本 1"):
        save_table(evaluation=evaluation, key="sub_item_budgets", rows=[], expected_version=1)
    assert evaluation_tables(evaluation)["sub_item_budgets"][0]["adjusted"] == Decimal("226.5")


@pytest.mark.django_db
def test_rows_round_trip_through_storage_exactly():
    evaluation = EvaluationFactory(kind=EvaluationKind.PROJECT)
    rows = [
        {
            "category": "节日慰问金",
            "item": "春节慰问金",
            "recipient": "市属福利机构",
            "paid_on": "2023-01-20",
            "deadline": "2023-01-21",
            "recipients": "7",
            "standard": "6",
            "amount": "36",
            "over_standard": "",
        }
    ]
    save_table(evaluation=evaluation, key="disbursements", rows=rows)
    stored = evaluation_tables(evaluation)["disbursements"][0]
    assert stored["paid_on"] == dt.date(2023, 1, 20)
    assert stored["recipients"] == 7
    assert stored["amount"] == Decimal("36")
    assert stored["over_standard"] is None


@pytest.mark.django_db
def test_a_table_of_the_other_kind_is_refused():
    evaluation = EvaluationFactory(kind=EvaluationKind.PROJECT)
    with pytest.raises(KeyError):
        save_table(evaluation=evaluation, key="dept_projects", rows=[])
