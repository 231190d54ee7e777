"""Bulk import: ``DATABASE_URL=postgres://… .venv/bin/python bench/import.py [--documents 1000]``.

Into the database DATABASE_URL names (a fresh, empty one: the bench refuses a database that holds evaluations;
without DATABASE_URL a throw-away SQLite database in a temporary directory), it builds the demo (``load_demo``),
exports the two demo evaluations of the reference reports (``export_evaluation``), writes N documents made from
them into a temporary directory (each with its own title, one of 50 units per source and a year of 2019–2023,
so no document replaces another) and imports them all with one ``import_evaluation DIR`` in this process.

Prints documents per second, seconds per document, queries per document, and wall and CPU time (CPU of this
process: with PostgreSQL the server's own work is not in it). Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKDIR = tempfile.TemporaryDirectory(prefix="perf-eval-bench-import-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")  # development settings: reports queue for a worker, not rendered
os.environ.setdefault("DATABASE_URL", f"sqlite:///{WORKDIR.name}/bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.db.utils import OperationalError, ProgrammingError  # noqa: E402

from evaluations.demo import SEED_DOCUMENTS  # noqa: E402
from evaluations.models import Evaluation, EvaluationIndicator  # noqa: E402

UNITS = 50  # per source document: the units the copies are spread over
YEARS = range(2019, 2024)


def refuse_a_used_database() -> None:
    try:
        used = Evaluation.objects.exists()
    except (OperationalError, ProgrammingError):  # not migrated yet: empty
        return
    if used:
        sys.exit(f"数据库 {connection.settings_dict['NAME']} 中已有评价：请用一个新建的空库（DATABASE_URL）。")


def export_demo(folder: Path) -> list[dict]:
    """The two demo evaluations of the reference reports as documents, through ``export_evaluation``."""
    documents = []
    for key, path in SEED_DOCUMENTS.items():
        header = json.loads(path.read_text(encoding="utf-8"))["evaluation"]
        lookup = {"evaluated_unit__name": header["agency"], "year": header["year"], "title": header["title"]}
        evaluation = Evaluation.objects.get(**lookup)
        target = folder / f"demo-{key}.json"
        call_command("export_evaluation", str(evaluation.pk), "--output", str(target), stdout=StringIO())
        documents.append(json.loads(target.read_text(encoding="utf-8")))
    return documents


def variant(source: dict, number: int) -> dict:
    """A copy of a demo document under its own title, one of UNITS units and one of YEARS."""
    doc = copy.deepcopy(source)
    header = doc["evaluation"]
    year = YEARS[number % len(YEARS)]
    header["title"] = f"{year} 年度{header['title'][len('2023 年度') :]}（批量 {number:05d}）"
    header["agency"] = f"{header['agency']}（{number // 2 % UNITS + 1:02d}）"
    header["year"] = year
    header["period"] = [f"{year}-01-01", f"{year}-12-31"]
    header["report_date"] = None
    return doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000, help="how many documents to import (default 1000)")
    count = parser.parse_args().documents

    refuse_a_used_database()
    print(f"数据库：{connection.vendor} {connection.settings_dict['NAME']}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=StringIO())
    print(f"迁移与演示数据（load_demo）：{time.perf_counter() - started:.1f} 秒")

    folder = Path(WORKDIR.name) / "documents"
    folder.mkdir()
    sources = export_demo(Path(WORKDIR.name))
    for number in range(count):
        doc = variant(sources[number % len(sources)], number)
        (folder / f"{number:05d}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    before = (Evaluation.objects.count(), EvaluationIndicator.objects.count())

    queries = 0

    def count_queries(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    settings.DEBUG = False  # no query log: it would cost time and memory over a thousand documents
    out, err = StringIO(), StringIO()
    wall, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(count_queries):
        try:
            call_command("import_evaluation", str(folder), verbosity=0, stdout=out, stderr=err)
            code = 0
        except SystemExit as exc:
            code = exc.code
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu

    added = Evaluation.objects.count() - before[0], EvaluationIndicator.objects.count() - before[1]
    print(out.getvalue().strip())
    if code or err.getvalue():
        print(f"退出码 {code}；错误输出：\n{err.getvalue()}", file=sys.stderr)
    print(f"导入 {count} 份文档（两份演示评价的副本）：新增 {added[0]} 项评价、{added[1]} 个指标")
    print(f"  墙钟 {wall:.1f} 秒，CPU {cpu:.1f} 秒（本进程）")
    print(f"  {count / wall:.1f} 份/秒；每份 {wall / count * 1000:.1f} 毫秒（CPU {cpu / count * 1000:.1f} 毫秒）")
    print(f"  查询 {queries} 次，每份 {queries / count:.1f} 次")


if __name__ == "__main__":
    try:
        main()
    finally:
        connections.close_all()  # before the temporary directory is removed
        WORKDIR.cleanup()
