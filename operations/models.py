from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per running task worker, touched every few seconds by a thread of that worker (operations.heartbeat),
    so /healthz can tell a worker that is busy rendering from one that is gone."""

    worker_id = models.CharField("进程标识", max_length=64, unique=True)
    host = models.CharField("主机", max_length=255)
    pid = models.PositiveIntegerField("进程号")
    started_at = models.DateTimeField("启动时间")
    seen_at = models.DateTimeField("最近心跳", db_index=True)

    class Meta:
        verbose_name = "后台进程心跳"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"
