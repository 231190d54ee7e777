"""Scoring throughput: ``.venv/bin/python bench/scoring.py``.

1. 1,000 random perf-eval/1 documents of 60 leaves (every rule kind, 3–4 levels, weights adding up to 100,
   fixed seed) scored with ``evaluations.interchange.scoring.score_document``: documents and leaves per second.
2. The built-in department document imported into a throw-away SQLite database, then
   ``recompute_scores`` of that evaluation timed (median of 20 runs).

Prints figures only; nothing here asserts a time.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKDIR = tempfile.TemporaryDirectory(prefix="perf-eval-bench-")
# Django first: the document reader knows the evaluation's models (tables, sections, team roles).
os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR.name}/bench.sqlite3"
import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402

from evaluations.domain.importing import import_document  # noqa: E402
from evaluations.domain.scoring import recompute_scores  # noqa: E402
from evaluations.interchange.scoring import score_document  # noqa: E402
from rubrics.document import parse_document  # noqa: E402
from rubrics.engine import RULE_KINDS  # noqa: E402

SEED = 20231001
DOCUMENTS = 1000
LEAVES = 60
RECOMPUTE_RUNS = 20
BUILTIN = ROOT / "rubrics" / "builtin" / "department_luozhuang_2022.json"
CENT = Decimal("0.01")


def d(value: float) -> Decimal:
    """A document number as parse_document yields it (fractions are Decimal)."""
    return Decimal(str(round(value, 2)))


def rule_and_inputs(kind: str, w: Decimal, rng: random.Random) -> tuple[dict, dict]:
    """Valid parameters and inputs for one rule kind and weight."""

    def pct(low: float, high: float) -> Decimal:
        return d(rng.uniform(low, high))

    def share(part: str) -> Decimal:
        return (w * Decimal(part)).quantize(CENT)

    if kind == "ratio":
        return {"cap": 1}, {"actual": pct(50, 120), "target": pct(80, 100)}
    if kind == "inverse_ratio":
        return {}, {"actual": rng.randint(20, 40), "target": rng.randint(25, 35)}
    if kind == "threshold_deduct":
        params = {
            "threshold": 98,
            "per_point": d(0.1),
            "direction": rng.choice(["below", "above"]),
            "rounding": rng.choice(["ceil", "exact"]),
        }
        return params, {"actual": pct(85, 100)}
    if kind == "bands":
        return {"bands": [[90, w], [80, share("0.75")], [70, share("0.5")], [60, share("0.25")]]}, {
            "actual": pct(50, 100)
        }
    if kind == "checklist":
        items = [f"要点{i + 1}" for i in range(4)]
        met = sorted(rng.sample(range(4), rng.randint(0, 4)))
        rest = [i for i in range(4) if i not in met]
        inputs: dict[str, Any] = {"met": met}
        if rest and rng.random() < 0.3:
            inputs["partial"] = {str(rest[0]): d(0.5)}
        return {"items": items, "gate": rng.choice([None, 0])}, inputs
    if kind == "binary":
        return {}, {"met": rng.random() < 0.8}
    if kind == "rate_penalty":
        return {}, {"rate": pct(0, 10)}
    if kind == "per_count":
        return {"per": d(0.2)}, {"count": rng.randint(0, 6)}
    if kind == "change_rate":
        if rng.random() < 0.5:
            return {"per_point": d(0.1), "rounding": "ceil"}, {"rate": pct(-10, 10)}
        return {"per_point": d(0.1)}, {"current": pct(80, 120), "previous": pct(90, 110)}
    if kind == "threshold_else_rate":
        return {"threshold": 50}, {"actual": pct(20, 80)}
    if kind == "grade_map":
        return {"map": {"优秀": w, "良好": share("0.5"), "一般": 0}}, {"grade": rng.choice(["优秀", "良好", "一般"])}
    if kind == "satisfaction":
        if rng.random() < 0.7:
            return {}, {"survey": True, "satisfaction": pct(85, 100)}
        return {}, {"survey": False, "complaint_rate": pct(0, 10)}
    if kind == "manual":
        return {}, {"score": (w * Decimal(rng.randint(50, 100)) / 100).quantize(CENT), "reason": "按实际情况酌情评分"}
    raise ValueError(kind)


def split(items: list, parts: int, rng: random.Random) -> list[list]:
    """Cut a list into ``parts`` non-empty consecutive pieces."""
    cuts = sorted(rng.sample(range(1, len(items)), parts - 1))
    return [items[a:b] for a, b in zip([0, *cuts], [*cuts, len(items)], strict=True)]


def leaf_weights(rng: random.Random) -> list[Decimal]:
    """60 weights of at least 0.5, two decimals, adding up to exactly 100."""
    cents = 10000 - 50 * LEAVES
    cuts = sorted(rng.randint(0, cents) for _ in range(LEAVES - 1))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, cents], strict=True)]
    return [Decimal(50 + part) / 100 for part in parts]


def inner(name: str, children: list[dict]) -> dict:
    return {"name": name, "weight": sum((child["weight"] for child in children), Decimal(0)), "children": children}


def random_document(number: int, rng: random.Random) -> dict:
    kinds = list(RULE_KINDS)
    leaves = []
    for i, weight in enumerate(leaf_weights(rng)):
        kind = kinds[(i + number) % len(kinds)]  # every kind in every document
        params, inputs = rule_and_inputs(kind, weight, rng)
        leaves.append({"name": f"指标{i + 1}", "weight": weight, "rule": {"kind": kind, **params}, "inputs": inputs})
    sections = []
    for s, section in enumerate(split(leaves, 4, rng), start=1):
        groups = []
        for g, group in enumerate(split(section, min(rng.randint(2, 4), len(section)), rng), start=1):
            if len(group) >= 3 and rng.random() < 0.4:  # a 三级指标 scored per item: a fourth level
                group = [inner(f"三级{s}.{g}", group[:2]), *group[2:]]
            groups.append(inner(f"二级{s}.{g}", group))
        sections.append(inner(f"一级{s}", groups))
    return {
        "format": "perf-eval/1",
        "evaluation": {"kind": "project", "title": f"基准{number}"},
        "indicators": sections,
    }


def bench_documents() -> None:
    rng = random.Random(SEED)  # noqa: S311 - reproducible test data, not secrets
    documents = [random_document(n, rng) for n in range(DOCUMENTS)]
    start = time.perf_counter()
    results = [score_document(doc) for doc in documents]
    elapsed = time.perf_counter() - start
    leaves = sum(len(result["indicators"]) for result in results)
    assert leaves == DOCUMENTS * LEAVES and all(not result["problems"] for result in results)
    print(f"score_document: {DOCUMENTS} 份文档、{leaves} 个末级指标，用时 {elapsed:.3f} 秒")
    print(f"  {DOCUMENTS / elapsed:,.0f} 份文档/秒，{leaves / elapsed:,.0f} 个末级指标/秒")


def bench_recompute() -> None:
    call_command("migrate", verbosity=0)
    doc = parse_document(BUILTIN.read_text(encoding="utf-8"))
    for member in doc.get("team") or []:
        member["user"] = None  # the demo accounts it names do not exist in this empty database
    start = time.perf_counter()
    evaluation = import_document(doc)
    imported = time.perf_counter() - start
    leaves = evaluation.indicators.filter(children__isnull=True).count()
    runs = []
    for _ in range(RECOMPUTE_RUNS):
        start = time.perf_counter()
        result = recompute_scores(evaluation)
        runs.append(time.perf_counter() - start)
    print(f"import_document（{BUILTIN.name}，{evaluation.indicators.count()} 个指标）：{imported * 1000:.1f} 毫秒")
    print(
        f"recompute_scores（{leaves} 个末级指标，总分 {result.total}，未能计分 {len(result.unscored)} 项）："
        f"中位数 {statistics.median(runs) * 1000:.1f} 毫秒（{RECOMPUTE_RUNS} 次，"
        f"最短 {min(runs) * 1000:.1f}，最长 {max(runs) * 1000:.1f}）"
    )


if __name__ == "__main__":
    try:
        bench_documents()
        bench_recompute()
    finally:
        connections.close_all()  # before the temporary directory is removed
        WORKDIR.cleanup()
