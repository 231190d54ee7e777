"""scripts/serve.sh starts gunicorn and the task worker (two processes here) on the configured database and answers
/healthz with 200 once the workers' heartbeats are in; stopping it stops all (issue 14, items 5 and 8)."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own server on the loopback
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.slow
def test_serve_starts_web_and_worker_and_answers_healthz(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    env.update(
        SKIP_SETUP="1",
        PORT=str(port),
        SECRET_KEY="serve-test-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        MEDIA_ROOT=str(tmp_path / "media"),
        LOG_FILE=str(tmp_path / "app.log"),
        LOG_LEVEL="INFO",
        WEB_CONCURRENCY="1",
        WORKER_CONCURRENCY="2",
    )
    server = subprocess.Popen(
        [str(ROOT / "scripts/serve.sh")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240  # migrating a new database takes most of it
        status, body = 0, b""
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status, body = get(f"http://127.0.0.1:{port}/healthz")
            except OSError:
                status = 0
            if status == 200 and json.loads(body)["workers"] == 2:
                break
            time.sleep(1)
        assert status == 200, (status, body, server.poll())
        health = json.loads(body)
        assert health["checks"] == {"database": "ok", "storage": "ok", "worker": "ok"}
        assert (health["workers"], health["queue_depth"]) == (2, 0)  # WORKER_CONCURRENCY worker processes
        login_status, login_page = get(f"http://127.0.0.1:{port}/accounts/login/")
        assert login_status == 200 and "登录" in login_page.decode()
        log_lines = [json.loads(line) for line in (tmp_path / "app.log").read_text().splitlines()]
        assert any(line.get("path") == "/accounts/login/" and line.get("request_id") for line in log_lines)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode()
    assert server.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(server.pid, 0)  # nothing of the group is left running
    assert "Traceback" not in output
