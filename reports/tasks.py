"""Background rendering (django-tasks; the database backend in production, run by manage.py run_worker: the
db_worker with a heartbeat)."""

from __future__ import annotations

from django_tasks import task

from reports.jobs import run_render


@task()
def render_report_task(version_id: int) -> None:
    """Render one report version; its progress and outcome are recorded on the ReportVersion row."""
    run_render(version_id)
