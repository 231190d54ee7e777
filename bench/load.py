"""Many users at once against the production server: ``DATABASE_URL=… .venv/bin/python bench/load.py [--users 50]``.

Start the server first on the same database (``DATABASE_URL=… SKIP_SETUP=1 scripts/serve.sh``: gunicorn and the
task worker). Each virtual user is a thread that signs in as a demo-style account (the firm's evaluators and the
bureaus' reviewers that bench/scale.py made, password demo12345); once all have signed in the clock starts (the
sign-ins are not timed), and each repeats: wait a think time drawn from an
exponential distribution (mean --think seconds), request one page of real work drawn from its role's mix, on one
of the evaluations it may see. It stops at --duration seconds. Only 127.0.0.1 / localhost is accepted.

``--renders N`` asks for N report renders at the start (through the app's render service, as each evaluation's
project manager), so the task worker renders while the web answers: the worker's niceness and --concurrency
(run_worker) are what keep the web's p95 down.

Prints a table per page (requests, p50, p95, errors), the CPU seconds the server's processes and this client
used, and on its last line: throughput, p50, p95, p99 and errors.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookies
import os
import random
import re
import statistics
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.db.models import Q  # noqa: E402
from django.urls import reverse  # noqa: E402

from evaluations.models import Evaluation, EvaluationState, OrganisationKind, TeamRole, User  # noqa: E402
from reports.requests import request_render  # noqa: E402

PASSWORD = "demo12345"  # noqa: S105 - the demo accounts' published password
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

# The page mix of a working day, by weight: what an evaluator and a bureau reviewer open most.
EVALUATOR_PAGES = [
    (10, "首页", lambda e: reverse("home")),
    (8, "待办", lambda e: reverse("inbox")),
    (8, "评价列表", lambda e: reverse("evaluation-list")),
    (2, "评价列表 搜索", lambda e: reverse("evaluation-list") + "?q=" + urllib.parse.quote("民政局")),
    (2, "评价列表 按年度", lambda e: reverse("evaluation-list") + f"?year={e.year}"),
    (14, "详情", lambda e: reverse("evaluation-detail", args=[e.pk])),
    (18, "评分", lambda e: reverse("evaluation-scoring", args=[e.pk])),
    (10, "基础数据表", lambda e: reverse("evaluation-tables", args=[e.pk])),
    (8, "报告正文", lambda e: reverse("evaluation-narrative", args=[e.pk])),
    (5, "佐证材料", lambda e: reverse("evaluation-evidence", args=[e.pk])),
    (5, "报告", lambda e: reverse("evaluation-reports", args=[e.pk])),
    (3, "修改记录", lambda e: reverse("evaluation-audit", args=[e.pk])),
    (3, "征求意见", lambda e: reverse("evaluation-consultation", args=[e.pk])),
]
BUREAU_PAGES = [
    (10, "首页", lambda e: reverse("home")),
    (10, "待办", lambda e: reverse("inbox")),
    (14, "审核队列", lambda e: reverse("review-queue")),
    (12, "评价列表", lambda e: reverse("evaluation-list")),
    (3, "评价列表 搜索", lambda e: reverse("evaluation-list") + "?q=" + urllib.parse.quote("民政局")),
    (12, "总览", lambda e: reverse("bureau-overview")),
    (18, "详情", lambda e: reverse("evaluation-detail", args=[e.pk])),
    (8, "报告", lambda e: reverse("evaluation-reports", args=[e.pk])),
    (6, "评分", lambda e: reverse("evaluation-scoring", args=[e.pk])),
    (4, "整改", lambda e: reverse("evaluation-rectification", args=[e.pk])),
]


@dataclass
class Persona:
    username: str
    role: str  # 评价人员 | 财政审核
    pages: list
    evaluations: list[Evaluation]


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict = field(default_factory=lambda: defaultdict(list))  # (role, page) → ms
    errors: dict = field(default_factory=lambda: defaultdict(int))
    samples: list = field(default_factory=list)  # one error example per page

    def add(self, key, ms: float, error: str | None) -> None:
        with self.lock:
            self.times[key].append(ms)
            if error:
                self.errors[key] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{key[0]} {key[1]}: {error}")


def personas(users: int, seed: int) -> list[Persona]:
    """Half evaluators (project managers of evaluations, with theirs), half bureau reviewers (with the
    evaluations submitted to or approved by their bureau), spread over firms and bureaus."""
    rng = random.Random(seed)  # noqa: S311 - spreading load, not secrets
    managers = list(
        User.objects.filter(team_memberships__role=TeamRole.MANAGER, is_active=True)
        .distinct()
        .order_by("pk")
        .values_list("pk", "username")
    )
    reviewers = list(
        User.objects.filter(organisation__kind=OrganisationKind.BUREAU, is_active=True, username__startswith="bureau")
        .order_by("pk")
        .values_list("pk", "username", "organisation_id")
    )
    if not managers or not reviewers:
        raise SystemExit("没有可用的评价人员或财政审核账号：请先运行 bench/scale.py（或 load_demo）。")
    chosen = []
    for index in range(users):
        if index % 2 == 0:
            pk, username = managers[(index // 2) % len(managers)]
            found = Evaluation.objects.filter(team__user_id=pk, team__role=TeamRole.MANAGER)
            pages, role = EVALUATOR_PAGES, "评价人员"
        else:
            pk, username, bureau = reviewers[(index // 2) % len(reviewers)]
            found = Evaluation.objects.filter(commissioning_bureau_id=bureau).filter(
                Q(state=EvaluationState.SUBMITTED) | Q(state=EvaluationState.APPROVED)
            )
            pages, role = BUREAU_PAGES, "财政审核"
        pks = list(found.order_by("pk").values_list("pk", flat=True)[:2000])
        sample = rng.sample(pks, min(20, len(pks)))
        evaluations = list(Evaluation.objects.filter(pk__in=sample).only("pk", "year"))
        if evaluations:
            chosen.append(Persona(username, role, pages, evaluations))
    return chosen


class Browser:
    """One user's session over plain HTTP to gunicorn, as nginx would pass it on: ``X-Forwarded-Proto: https``
    (production settings trust it from 127.0.0.1), cookies kept here (they are Secure, so a cookie jar would
    not send them over http), redirects not followed."""

    def __init__(self, base: str, timeout: float):
        address = urllib.parse.urlsplit(base)
        self.host, self.port, self.timeout = address.hostname, address.port or 80, timeout
        self.origin = f"https://{address.netloc}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            sent = {"X-Forwarded-Proto": "https", "Host": urllib.parse.urlsplit(self.origin).netloc, **(headers or {})}
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in http.cookies.SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, content
        finally:
            connection.close()

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request("GET", path)

    def login(self, username: str) -> None:
        status, body = self.get(reverse("login"))
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or token is None:
            raise RuntimeError(f"登录页无法打开（HTTP {status}）")
        data = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1).decode()}
        ).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": self.origin + reverse("login")}
        status, _ = self.request("POST", reverse("login"), body=data, headers=headers)
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{username} 登录失败（HTTP {status}；密码不是 {PASSWORD}？）")


class Start:
    """Everyone signs in first; then the clock starts (a day's users do not all sign in in the same second, and
    50 password hashes at once would be timed as the pages' wait)."""

    def __init__(self, users: int) -> None:
        self.signed_in = threading.Barrier(users + 1)
        self.go = threading.Event()
        self.deadline = 0.0


def user_loop(persona: Persona, base: str, start: Start, think: float, results: Results, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311
    browser = Browser(base, timeout=60)
    try:
        browser.login(persona.username)
    except Exception as error:  # counted, the run goes on with the others
        results.add((persona.role, "登录"), 0.0, str(error))
        return
    finally:
        start.signed_in.wait()
    start.go.wait()
    deadline = start.deadline
    weights = [weight for weight, _, _ in persona.pages]
    while True:
        pause = rng.expovariate(1 / think)
        if time.monotonic() + pause >= deadline:
            return
        time.sleep(pause)
        _, label, url_of = rng.choices(persona.pages, weights=weights)[0]
        url = url_of(rng.choice(persona.evaluations))
        started = time.perf_counter()
        try:
            status, _ = browser.get(url)
            error = None if status == 200 else f"HTTP {status} {url}"
        except Exception as exc:  # a timeout or a refused connection is an error of the run, not a crash
            status, error = 0, f"{type(exc).__name__}: {exc} {url}"
        results.add((persona.role, label), (time.perf_counter() - started) * 1000, error)


def server_cpu() -> float:
    """CPU seconds used so far by the server's processes (gunicorn and the task worker, children included)."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            if b"gunicorn" not in command and b"run_worker" not in command:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15]) / ticks  # utime stime cutime cstime
    return total


def percentile(ordered: list[float], share: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def request_renders(count: int) -> int:
    """Ask for ``count`` report renders, each by its evaluation's project manager (the app's own service)."""
    asked = 0
    drafts = Evaluation.objects.filter(state=EvaluationState.DRAFT, team__role=TeamRole.MANAGER).order_by("-pk")
    for evaluation in drafts[: count * 3]:
        manager = evaluation.team.filter(role=TeamRole.MANAGER).first()
        if manager is None:
            continue
        request_render(evaluation, manager.user)
        asked += 1
        if asked == count:
            break
    return asked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=120, help="seconds")
    parser.add_argument("--think", type=float, default=5, help="mean think time in seconds (exponential)")
    parser.add_argument("--renders", type=int, default=0, help="report renders asked for at the start")
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    address = urllib.parse.urlsplit(args.url)
    if address.scheme not in {"http", "https"} or address.hostname not in LOCAL_HOSTS:
        raise SystemExit(f"只对本机的服务器施加负载：{args.url} 不是 127.0.0.1 或 localhost。")
    base = args.url.rstrip("/")
    users = personas(args.users, args.seed)
    renders = request_renders(args.renders) if args.renders else 0
    results = Results()
    start = Start(len(users))
    threads = [
        threading.Thread(target=user_loop, args=(p, base, start, args.think, results, args.seed + i), daemon=True)
        for i, p in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    start.signed_in.wait()  # every user signed in (or failed to): from here on the run is timed
    cpu_server, cpu_client = server_cpu(), time.process_time()
    started = time.monotonic()
    start.deadline = started + args.duration
    start.go.set()
    for thread in threads:
        thread.join(args.duration + 120)
    elapsed = time.monotonic() - started
    cpu_server, cpu_client = server_cpu() - cpu_server, time.process_time() - cpu_client

    print(f"{Evaluation.objects.count()} evaluations; {len(users)} users, think {args.think} s, {elapsed:.0f} s")
    if renders:
        print(f"{renders} report renders asked for at the start")
    print(f"{'requests':>8} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6}  page")
    everything, errors = [], 0
    for key in sorted(results.times, key=lambda k: statistics.median(results.times[k])):
        ordered = sorted(results.times[key])
        everything += ordered
        errors += results.errors[key]
        print(
            f"{len(ordered):8d} {percentile(ordered, 0.5):7.0f} {percentile(ordered, 0.95):7.0f} "
            f"{results.errors[key]:6d}  {key[0]}: {key[1]}"
        )
    for sample in results.samples:
        print(f"  错误示例：{sample}")
    everything.sort()
    print(
        f"CPU: server {cpu_server:.1f} s ({cpu_server / max(len(everything), 1) * 1000:.0f} ms per request), "
        f"this client {cpu_client:.1f} s"
    )
    print(
        f"throughput {len(everything) / elapsed:.1f} req/s · p50 {percentile(everything, 0.5):.0f} ms · "
        f"p95 {percentile(everything, 0.95):.0f} ms · p99 {percentile(everything, 0.99):.0f} ms · "
        f"errors {errors} of {len(everything)}"
    )


if __name__ == "__main__":
    main()
