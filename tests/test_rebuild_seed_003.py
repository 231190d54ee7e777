"""Issue 4's acceptance: an evaluator rebuilds the seed-003 evaluation from its built-in indicator system,
the tables uploaded as an Excel workbook and the scoring inputs as the scoring page posts them, and reaches
the printed 97.75 优 — through the same services the pages call, without admin."""

from decimal import Decimal

import pytest

from evaluations.datatables import tables_for_kind
from evaluations.demo import load_demo
from evaluations.domain.creation import create_evaluation
from evaluations.domain.datatables import save_uploaded_tables
from evaluations.domain.scoring_inputs import save_scoring
from evaluations.interfaces.excel import build_workbook, read_workbook
from evaluations.models import DataTable, User
from evaluations.queries.datatables import evaluation_tables


def form_data(leaf) -> dict:
    """What the scoring page posts for these inputs (bound inputs are never posted: they follow the tables)."""
    data: dict = {}
    for name, value in (leaf.inputs or {}).items():
        if name in (leaf.bindings or {}):
            continue
        if name == "met" and leaf.rule_kind == "checklist":
            data["met"] = [str(index) for index in value]
        elif name == "partial":
            data.update({f"partial-{index}": str(share) for index, share in value.items()})
        elif isinstance(value, bool):
            data[f"in-{name}"] = "true" if value else "false"
        else:
            data[f"in-{name}"] = str(value)
    return data


def path(node) -> tuple:
    names = []
    while node is not None:
        names.append(node.name)
        node = node.parent
    return tuple(reversed(names))


@pytest.mark.django_db
def test_seed_003_rebuilt_by_an_evaluator_reaches_97_75():
    seed = load_demo()["project"]
    evaluator = User.objects.get(username="evaluator")
    rebuilt = create_evaluation(
        user=evaluator,
        kind="project",
        title="困难群体救助项目绩效评价（重建）",
        evaluated_unit=seed.evaluated_unit,
        project=seed.project,
        year=2023,
        commissioning_bureau=seed.commissioning_bureau,
        template=seed.template,
    )
    # The base tables arrive as one workbook, filled offline (here: the seed's tables written out as Excel).
    specs = tables_for_kind("project")
    workbook = read_workbook(build_workbook(specs, evaluation_tables(seed)), specs)
    # The file names the versions it was downloaded at, as the hidden 系统信息 sheet of a downloaded template does.
    stored = dict(DataTable.objects.filter(evaluation=rebuilt).values_list("key", "version"))
    versions = {spec.key: stored.get(spec.key, 1) for spec in specs}
    save_uploaded_tables(evaluation=rebuilt, rows_by_key=dict(workbook), versions=versions, user=evaluator)
    # Every indicator scored as the scoring page posts it; the one award the rule does not give, with a reason.
    seed_leaves = {path(leaf): leaf for leaf in seed.indicators.filter(children__isnull=True)}
    for leaf in rebuilt.indicators.filter(children__isnull=True).select_related("parent__parent"):
        source = seed_leaves[path(leaf)]
        data = form_data(source)
        if source.awarded_score is not None:
            data.update(awarded_score=str(source.awarded_score), override_reason="资金分配依据充分，酌情评定")
        leaf.refresh_from_db()
        save_scoring(evaluation=rebuilt, indicator_id=leaf.pk, expected_version=leaf.version, data=data, user=evaluator)
    rebuilt.refresh_from_db()
    assert (rebuilt.total_score, rebuilt.grade) == (Decimal("97.75"), "优")
