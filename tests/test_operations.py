"""Running the service: /healthz, request logs, CSP, no-store, idle sign-out, password change and login throttling
(items 8 and security findings 10 and 11 of issue 14)."""

import json
import logging
import re
import sys
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from evaluations.models import User
from operations import health
from operations.heartbeat import beat
from operations.logging import JsonFormatter, RequestContextFilter, request_context
from operations.models import WorkerHeartbeat
from operations.sessions import LAST_SEEN
from operations.warmup import warm_up
from tests.factories import UserFactory

# --- /healthz ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_200_without_sign_in_when_tasks_run_inline(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "storage": "ok", "worker": "not_used"}}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_reports_a_missing_worker_and_the_queue(client, monkeypatch):
    monkeypatch.setattr(health, "_uses_worker", lambda: True)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "error"
    assert response.json()["queue_depth"] == 0

    beat("worker-1", timezone.now())
    response = client.get("/healthz")
    assert response.status_code == 200
    assert (response.json()["checks"]["worker"], response.json()["workers"]) == ("ok", 1)


@pytest.mark.django_db
def test_healthz_ignores_an_old_heartbeat(client, monkeypatch, settings):
    monkeypatch.setattr(health, "_uses_worker", lambda: True)
    beat("worker-1", timezone.now())
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - settings.WORKER_HEARTBEAT_MAX_AGE - timedelta(seconds=1))
    assert client.get("/healthz").status_code == 503


@pytest.mark.django_db
def test_healthz_503_when_storage_refuses_writes_and_says_nothing_more(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(28, "No space left on device: /secret/path")

    monkeypatch.setattr(default_storage, "save", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "error"
    assert "secret" not in response.content.decode()


@pytest.mark.django_db
def test_healthz_leaves_no_probe_file(client):
    client.get("/healthz")
    assert default_storage.listdir("healthz")[1] == []


# --- request log ------------------------------------------------------------------------------------------------


def test_each_request_is_logged_with_id_user_evaluation_and_duration(world, client, caplog):
    caplog.set_level(logging.INFO, logger="operations.requests")
    client.force_login(world["evaluator_a"])
    evaluation = world["a"]
    response = client.get(reverse("evaluation-detail", args=[evaluation.pk]), HTTP_X_REQUEST_ID="req-12345678")
    assert response["X-Request-ID"] == "req-12345678"
    record = next(r for r in caplog.records if r.name == "operations.requests")
    assert (record.request_id, record.user, record.evaluation, record.status) == (
        "req-12345678",
        world["evaluator_a"].username,
        evaluation.pk,
        200,
    )
    assert record.duration_ms > 0


def test_log_lines_are_json_with_the_request_fields():
    token = request_context.set({"request_id": "abc", "user": "u", "evaluation": 7})
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "保存 %s", ("表1",), None)
        RequestContextFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_context.reset(token)
    assert line["message"] == "保存 表1"
    assert (line["request_id"], line["user"], line["evaluation"]) == ("abc", "u", 7)


def test_static_files_are_not_logged(client, caplog):
    caplog.set_level(logging.INFO, logger="operations.requests")
    assert client.get("/static/css/app.css").status_code == 200
    assert not [r for r in caplog.records if r.name == "operations.requests"]


def test_a_bad_request_id_is_replaced(client, db):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="<script>")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


# --- headers ----------------------------------------------------------------------------------------------------


def test_every_page_has_a_csp_without_inline_scripts(client, db):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"].startswith("'self'")
    assert "unsafe-inline" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_the_section_editor_import_map_carries_the_csp_nonce(world, client):
    client.force_login(world["evaluator_a"])
    response = client.get(reverse("evaluation-narrative-section", args=[world["a"].pk, "dept_overview"]))
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<script type="importmap" nonce="{nonce}">' in response.content.decode()
    assert " onclick=" not in response.content.decode()


def test_signed_in_pages_are_not_stored(world, client):
    client.force_login(world["evaluator_a"])
    for url in ["/", reverse("evaluation-detail", args=[world["a"].pk]), reverse("inbox")]:
        cache_control = client.get(url)["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control, url


# --- sessions ---------------------------------------------------------------------------------------------------


def test_an_idle_session_is_signed_out_with_a_chinese_note(world, client, settings):
    client.force_login(world["evaluator_a"])
    assert client.get("/").status_code == 200
    session = client.session
    session[LAST_SEEN] = int(time.time() - settings.SESSION_IDLE_TIMEOUT.total_seconds() - 5)
    session.save()
    response = client.get("/", follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "长时间未操作，已自动退出登录" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_an_active_session_stays_signed_in(world, client, settings):
    client.force_login(world["evaluator_a"])
    session = client.session
    session[LAST_SEEN] = int(time.time() - settings.SESSION_IDLE_TIMEOUT.total_seconds() + 60)
    session.save()
    assert client.get("/").status_code == 200
    assert client.session[LAST_SEEN] > time.time() - 5  # the clock restarted


def test_sessions_end_after_the_maximum_age_anyway(world, client, settings):
    client.force_login(world["evaluator_a"])
    response = client.get("/")
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 12 * 3600
    assert response.status_code == 200


def test_https_redirect_spares_the_health_check(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/accounts/login/").status_code == 301
    assert client.get("/healthz").status_code == 200


# --- password change --------------------------------------------------------------------------------------------


def test_a_user_changes_their_own_password(world, client):
    user = world["evaluator_a"]
    client.force_login(user)
    page = client.get(reverse("password_change"))
    assert "修改密码" in page.content.decode()
    response = client.post(
        reverse("password_change"),
        {"old_password": "pw-12345", "new_password1": "Qiu-shui-2026!", "new_password2": "Qiu-shui-2026!"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password("Qiu-shui-2026!")
    assert client.get("/").status_code == 200  # still signed in


def test_a_wrong_old_password_changes_nothing_and_says_why(world, client):
    user = world["evaluator_a"]
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "Qiu-shui-2026!", "new_password2": "Qiu-shui-2026!"},
    )
    assert response.status_code == 200
    assert "旧密码" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("pw-12345")


def test_the_password_page_needs_sign_in(client, db):
    assert client.get(reverse("password_change"))["Location"].startswith(reverse("login"))


# --- login throttling -------------------------------------------------------------------------------------------

LOGIN_PAGES = ["/accounts/login/", "/admin/login/"]


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_login_is_locked_after_the_failure_limit_with_a_chinese_message(client, db, settings, page):
    user = UserFactory(is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(page, {"username": user.username, "password": "wrong"}).status_code == 200
    locked = client.post(page, {"username": user.username, "password": "wrong"})
    assert locked.status_code == 429
    assert "登录失败次数过多，该账号已暂时锁定" in locked.content.decode()
    # Now even the right password is refused, from either page.
    for other in LOGIN_PAGES:
        refused = client.post(other, {"username": user.username, "password": "pw-12345"})
        assert refused.status_code == 429, other
        assert "15 分钟后再试" in refused.content.decode()
    assert SESSION_KEY not in client.session


def test_a_lock_ends_after_the_cool_off(client, db, settings):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert client.post("/accounts/login/", {"username": user.username, "password": "pw-12345"}).status_code == 302


def test_a_lock_on_one_username_leaves_others_alone(client, db, settings):
    victim, colleague = UserFactory(), UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": victim.username, "password": "wrong"})
    assert client.post("/accounts/login/", {"username": colleague.username, "password": "pw-12345"}).status_code == 302
    assert User.objects.count() == 2


def test_the_warm_up_imports_the_urls_and_compiles_every_project_template(settings):
    """gunicorn's master runs it before forking (config/wsgi.py): no worker compiles them on a user's request."""
    project_templates = list((settings.BASE_DIR / "templates").rglob("*.html"))
    compiled = warm_up()
    assert compiled >= len(project_templates) > 50
    assert "evaluations.views.scoring" in sys.modules  # the URLconf imported its views
