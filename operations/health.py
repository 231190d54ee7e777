"""What /healthz reports: the database answers, the file storage takes a write, a task worker beat recently, and how
many tasks wait. Only "ok"/"error" and counts leave this module; the reasons go to the log."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from operations.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


@dataclass
class Health:
    checks: dict[str, str] = field(default_factory=dict)
    details: dict[str, int | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(state != "error" for state in self.checks.values())

    def as_json(self) -> dict:
        return {"status": "ok" if self.ok else "error", "checks": self.checks, **self.details}


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("健康检查：数据库不可用")
        return "error"
    return "ok"


def _storage() -> str:
    try:
        name = default_storage.save(f"healthz/probe-{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
        default_storage.delete(name)
    except Exception:  # any backend (disk full, read-only, object store down) counts as unavailable
        logger.exception("健康检查：文件存储不可写")
        return "error"
    return "ok"


def _uses_worker() -> bool:
    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


def _worker(health: Health) -> str:
    if not _uses_worker():
        return "not_used"  # TASKS_IMMEDIATE: tasks run inside the request
    since = timezone.now() - settings.WORKER_HEARTBEAT_MAX_AGE
    try:
        alive = WorkerHeartbeat.objects.filter(seen_at__gte=since).count()
        queued = DBTaskResult.objects.ready().order_by("enqueued_at").values_list("enqueued_at", flat=True)
        health.details["queue_depth"] = queued.count()
        oldest = queued.first()
    except DatabaseError:
        logger.exception("健康检查：无法读取后台进程状态")
        return "error"
    health.details["workers"] = alive
    health.details["oldest_queued_seconds"] = int((timezone.now() - oldest).total_seconds()) if oldest else None
    return "ok" if alive else "error"


def check() -> Health:
    health = Health()
    health.checks["database"] = _database()
    health.checks["storage"] = _storage()
    health.checks["worker"] = _worker(health) if health.checks["database"] == "ok" else "error"
    return health
