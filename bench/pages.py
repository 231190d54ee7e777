"""Page cost at the current data scale: ``DATABASE_URL=… .venv/bin/python bench/pages.py [--runs N] [--only TEXT]``.

Requests each page of real work as the account that uses it (Django's test client in this process, so the
figures are server time: middleware, views, queries and templates, no network), after one warm-up request:
median and p95 milliseconds, queries and response size. Pages: home, to-do, the evaluation list (plain,
filtered, searched, sorted), an evaluation's detail, scoring, tables, audit, reports, review queue, consultation,
the bureau overview, and every admin changelist with a search and one change form. Build the data with
bench/scale.py first. Prints a table (slowest last) and the number of evaluations; asserts nothing.
On PostgreSQL the check's answer is remembered by content after the warm-up; ``--cold`` forgets it (and the
engine's and quote check's answers) before every request, as the first view of new content pays.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django  # noqa: E402

django.setup()

from django.contrib import admin  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from evaluations.models import Evaluation, EvaluationState, User  # noqa: E402
from evaluations.queries.consistency.service import forget_answers  # noqa: E402


def pages(evaluation: Evaluation, submitted: Evaluation | None) -> list[tuple[str, str, str]]:
    """(account, label, URL) of the pages to measure: the team's pages on one evaluation, the bureau's on one
    submitted to it."""
    e = evaluation.pk
    per_evaluation = [
        ("evaluation-detail", "详情"),
        ("evaluation-scoring", "评分"),
        ("evaluation-tables", "基础数据表"),
        ("evaluation-audit", "修改记录"),
        ("evaluation-reports", "报告"),
        ("evaluation-consultation", "征求意见"),
        ("evaluation-narrative", "报告正文"),
    ]
    found = [
        ("evaluator", "首页", reverse("home")),
        ("evaluator", "待办", reverse("inbox")),
        ("evaluator", "评价列表", reverse("evaluation-list")),
        ("evaluator", "评价列表 按年度筛选", reverse("evaluation-list") + f"?year={evaluation.year}"),
        ("evaluator", "评价列表 搜索", reverse("evaluation-list") + "?q=民政局"),
        ("evaluator", "评价列表 排序", reverse("evaluation-list") + "?sort=-year"),
        ("evaluator", "评价列表 第 50 页", reverse("evaluation-list") + "?page=50"),
        ("bureau", "审核队列", reverse("review-queue")),
        ("bureau", "首页", reverse("home")),
        ("bureau", "待办", reverse("inbox")),
        ("bureau", "评价列表", reverse("evaluation-list")),
        ("bureau", "总览", reverse("bureau-overview")),
        ("admin", "总览", reverse("bureau-overview")),
        ("admin", "评价列表", reverse("evaluation-list")),
    ]
    found += [("evaluator", label, reverse(name, args=[e])) for name, label in per_evaluation]
    if submitted is not None:
        found += [("bureau", label, reverse(name, args=[submitted.pk])) for name, label in per_evaluation[:2]]
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        found.append(("admin", f"admin {meta.verbose_name} 列表", changelist))
        if model_admin.search_fields:
            found.append(("admin", f"admin {meta.verbose_name} 搜索", changelist + "?q=民政"))
        first = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
        if first is not None:
            found.append(
                (
                    "admin",
                    f"admin {meta.verbose_name} 修改页",
                    reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first]),
                )
            )
    return found


def measure(client: Client, url: str, runs: int, cold: bool = False) -> tuple[list[float], int, int, int]:
    client.get(url)  # warm-up: caches, template loading
    times, queries, size, status = [], 0, 0, 0
    for _ in range(runs):
        if cold:  # as after a change: the check runs again instead of answering from memory
            forget_answers()
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        queries, status = len(captured.captured_queries), response.status_code
        size = len(response.content) if hasattr(response, "content") else 0
    return times, queries, size, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", help="only pages whose label contains this text")
    parser.add_argument(
        "--cold", action="store_true", help="forget the remembered answers (check, engine, quotes) before every request"
    )
    args = parser.parse_args()
    evaluator = User.objects.get(username="evaluator")
    evaluation = (
        Evaluation.objects.filter(team__user=evaluator, state=EvaluationState.CONSULTATION).order_by("pk").first()
        or Evaluation.objects.filter(team__user=evaluator).order_by("pk").first()
    )
    bureau = User.objects.get(username="bureau")
    submitted = (
        Evaluation.objects.filter(commissioning_bureau=bureau.organisation, state=EvaluationState.SUBMITTED)
        .order_by("pk")
        .first()
    )
    clients = {}
    rows = []
    for account, label, url in pages(evaluation, submitted):
        if args.only and args.only not in label:
            continue
        if account not in clients:
            clients[account] = Client()
            clients[account].force_login(User.objects.get(username=account))
        times, queries, size, status = measure(clients[account], url, args.runs, args.cold)
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        rows.append((statistics.median(times), p95, queries, size, status, account, label, url))
    memory = "nothing remembered (--cold)" if args.cold else "check answers remembered"
    print(
        f"{Evaluation.objects.count()} evaluations on {connection.vendor}; {args.runs} runs per page after a warm-up; "
        + memory
    )
    print(f"{'median ms':>10} {'p95 ms':>8} {'queries':>8} {'KiB':>7} {'status':>6}  page")
    for median, p95, queries, size, status, account, label, url in sorted(rows):
        print(f"{median:10.0f} {p95:8.0f} {queries:8d} {size / 1024:7.0f} {status:6d}  {account}: {label}  {url}")
    slow = [row for row in rows if row[0] > 150]
    print(f"{len(slow)} of {len(rows)} pages over 150 ms median")


if __name__ == "__main__":
    main()
