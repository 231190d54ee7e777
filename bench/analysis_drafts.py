"""起草全部 (drafting every leaf's analysis): ``.venv/bin/python bench/analysis_drafts.py [--runs N]``.

Loads both demo evaluations into a throw-away SQLite database (migrated in a temporary directory, removed
afterwards), then times, on each evaluation, the read alone (``analysis_plan``: every leaf composed and classified)
and the whole write (``draft_all_analyses`` overwriting every leaf, the worst case), with their query counts.
Before each write every analysis is made a text of the team's own again, so every run writes every leaf.

Prints figures only; nothing here asserts a time. The decision it informs: under about a second, 起草全部 runs
in the request (no background task, no progress page).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKDIR = tempfile.TemporaryDirectory(prefix="perf-eval-bench-")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR.name}/bench.sqlite3"
import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import F, Value  # noqa: E402
from django.db.models.functions import Concat  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from evaluations.demo import load_demo  # noqa: E402
from evaluations.domain.narrative import draft_all_analyses  # noqa: E402
from evaluations.models import EvaluationIndicator  # noqa: E402
from evaluations.queries.analysis_drafts import analysis_plan  # noqa: E402


def timed(function, runs: int) -> tuple[float, int]:
    """Median milliseconds over ``runs`` and the query count of the last run."""
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
        queries = len(captured.captured_queries)
    return statistics.median(times) * 1000, queries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    call_command("migrate", verbosity=0)
    for evaluation in load_demo().values():
        leaves = evaluation.indicators.filter(children__isnull=True)

        def draft_everything(evaluation=evaluation, leaves=leaves) -> None:
            # Every leaf a text of the team's own (not what the drafter wrote), each confirmed at its version.
            leaves.update(analysis=Concat(F("analysis"), Value("（人工补充）")))
            plan = analysis_plan(evaluation)
            confirmed = {leaf.indicator.pk: leaf.indicator.version for leaf in plan.own}
            result = draft_all_analyses(evaluation=evaluation, overwrite=confirmed)
            assert len(result.written) == leaves.count()

        read_ms, read_queries = timed(lambda evaluation=evaluation: analysis_plan(evaluation), runs)
        write_ms, _ = timed(draft_everything, runs)
        leaves.update(analysis=Concat(F("analysis"), Value("（人工补充）")))
        plan = analysis_plan(evaluation)
        confirmed = {leaf.indicator.pk: leaf.indicator.version for leaf in plan.own}
        with CaptureQueriesContext(connection) as captured:
            draft_all_analyses(evaluation=evaluation, overwrite=confirmed)
        print(
            f"{evaluation.title}（{leaves.count()} 个末级指标）：起草与分类（只读）中位数 {read_ms:.1f} 毫秒、"
            f"{read_queries} 次查询；起草全部并覆盖全部（含准备）中位数 {write_ms:.1f} 毫秒，"
            f"其中 draft_all_analyses {len(captured.captured_queries)} 次查询（{runs} 次）"
        )
    assert EvaluationIndicator.objects.exclude(analysis_drafted="").exists()


if __name__ == "__main__":
    try:
        main()
    finally:
        connection.close()
        WORKDIR.cleanup()
