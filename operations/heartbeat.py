"""The worker's heartbeat: a thread beside the task loop that touches the worker's WorkerHeartbeat row every
settings.WORKER_HEARTBEAT_SECONDS, also while a long render runs, and removes it when the worker stops."""

from __future__ import annotations

import logging
import os
import socket
import threading

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from operations.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def beat(worker_id: str, started_at) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": started_at,
            "seen_at": timezone.now(),
        },
    )


class Heartbeat(threading.Thread):
    def __init__(self, worker_id: str):
        super().__init__(name="worker-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                try:
                    beat(self.worker_id, self.started_at)
                except DatabaseError:  # a busy or restarting database: the next beat tries again
                    logger.warning("后台进程心跳写入失败", exc_info=True)
                self.stopping.wait(settings.WORKER_HEARTBEAT_SECONDS)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            logger.warning("后台进程心跳记录未能删除", exc_info=True)
