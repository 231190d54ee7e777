"""The task worker for production: django-tasks-db's db_worker at a lower CPU priority than the web, with a
heartbeat for /healthz, and --concurrency worker processes (renders at once) under one supervising process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django_tasks_db.management.commands import db_worker

from operations.heartbeat import Heartbeat


class Command(db_worker.Command):
    help = "运行后台任务进程（报告生成）：较低的 CPU 优先级、心跳，--concurrency 个进程"

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--concurrency",
            type=int,
            default=settings.WORKER_CONCURRENCY,
            help="同时运行的任务进程数（默认取环境变量 WORKER_CONCURRENCY，%(default)s）",
        )
        parser.add_argument(
            "--nice",
            type=int,
            default=settings.WORKER_NICE,
            help="在当前优先级上再降低多少（默认取环境变量 WORKER_NICE，%(default)s）",
        )

    def handle(self, *args, concurrency: int, nice: int, **options) -> None:
        if nice > 0:
            os.nice(nice)  # the web keeps its CPU while renders run; children inherit the niceness
        if concurrency > 1:
            sys.exit(self.supervise(concurrency, options))
        heartbeat = Heartbeat(options["worker_id"])
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stop()

    def supervise(self, concurrency: int, options: dict) -> int:
        """Runs `concurrency` single workers with the same options; stops all when told to or when one ends."""
        command = [sys.executable, sys.argv[0], "run_worker", "--concurrency", "1", "--nice", "0", "--no-reload"]
        command += ["--queue-name", options["queue_name"], "--interval", str(options["interval"])]
        command += ["--backend", options["backend_name"], "--verbosity", str(options["verbosity"])]
        if options["exclude_queues"]:
            command += ["--exclude-queues", options["exclude_queues"]]
        if options["batch"]:
            command.append("--batch")
        if options["max_tasks"]:
            command += ["--max-tasks", str(options["max_tasks"])]
        if not options["startup_delay"]:
            command.append("--no-startup-delay")
        children = [subprocess.Popen(command) for _ in range(concurrency)]  # noqa: S603 - our own manage.py

        def stop(signum, frame):
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while all(child.poll() is None for child in children):
            time.sleep(1)
        stop(signal.SIGTERM, None)
        codes = [child.wait() for child in children]
        return next((code for code in codes if code), 0)
