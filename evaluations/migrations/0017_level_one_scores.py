"""Each evaluation's level-1 subtotals stored by the scoring service, for the bureau's overview to aggregate in SQL.

Filled here for every evaluation from its stored leaf scores, as the scoring service computes them: approved
evaluations are frozen and are never rescored, so this is where theirs come from.
"""

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

from rubrics.engine import leaf_counts
from rubrics.numbers import round_half_up
from rubrics.tree import IndicatorTree


def _score(row):
    return row.awarded_score if row.awarded_score is not None else row.computed_score


def fill(apps, schema_editor):
    Evaluation = apps.get_model("evaluations", "Evaluation")
    Indicator = apps.get_model("evaluations", "EvaluationIndicator")
    LevelOneScore = apps.get_model("evaluations", "LevelOneScore")
    for evaluation_id, policy in Evaluation.objects.values_list("pk", "na_policy").iterator():
        rows = list(
            Indicator.objects.filter(evaluation_id=evaluation_id).only(
                "pk", "parent_id", "order", "name", "weight", "computed_score", "awarded_score", "inputs"
            )
        )
        tree = IndicatorTree(rows, score=_score, applicable=lambda row, policy=policy: leaf_counts(row.inputs, policy))
        LevelOneScore.objects.bulk_create(
            LevelOneScore(
                evaluation_id=evaluation_id,
                indicator_id=root.key,
                score=root.score,
                weight=root.rate_weight or Decimal(0),
                rate=None if root.rate is None else round_half_up(root.rate, 4),
            )
            for root in tree.roots
        )


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0016_rectification_acceptance"),
    ]

    operations = [
        migrations.CreateModel(
            name="LevelOneScore",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "score",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True, verbose_name="得分"),
                ),
                ("weight", models.DecimalField(decimal_places=2, max_digits=6, verbose_name="计算得分率的权重")),
                (
                    "rate",
                    models.DecimalField(
                        blank=True, decimal_places=4, max_digits=9, null=True, verbose_name="得分率（%）"
                    ),
                ),
                (
                    "evaluation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="level_one_scores",
                        to="evaluations.evaluation",
                        verbose_name="评价",
                    ),
                ),
                (
                    "indicator",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="level_one_score",
                        to="evaluations.evaluationindicator",
                        verbose_name="一级指标",
                    ),
                ),
            ],
            options={
                "verbose_name": "一级指标得分",
                "verbose_name_plural": "一级指标得分",
                "ordering": ["evaluation", "indicator"],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
