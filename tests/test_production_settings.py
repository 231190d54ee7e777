"""Production settings by environment: `check --deploy` is clean with deploy/production.env, HTTPS behind the proxy,
and SQLite set up for several people saving at once (security findings 9 and 10)."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from evaluations.models import User

ROOT = Path(__file__).resolve().parent.parent
_OWN = {"SECRET_KEY", "DJANGO_DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "LOG_FILE"}


def production_env(tmp_path) -> dict:
    """deploy/production.env as systemd reads it, with a real key and throw-away places for data."""
    values = {}
    for line in (ROOT / "deploy/production.env").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    values.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        MEDIA_ROOT=str(tmp_path / "media"),
        LOG_FILE=str(tmp_path / "log/app.log"),
    )
    return values


def run(args: list[str], env_values: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in _OWN and not k.startswith(("SECURE_", "DJANGO_"))}
    env.update(env_values, DJANGO_SETTINGS_MODULE="config.settings", SECRET_KEY_FILE="/nonexistent")
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def settings_of(env_values: dict, *names: str) -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {list(names)!r}}}, default=str))"
    )
    result = run([sys.executable, "-c", code], env_values)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_is_clean_with_the_example_env(tmp_path):
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_without_it(tmp_path):
    env = {"SECRET_KEY": secrets.token_urlsafe(50), "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr  # no HSTS


def test_production_env_drives_https_behind_the_proxy(tmp_path):
    values = settings_of(
        production_env(tmp_path),
        "SECURE_PROXY_SSL_HEADER",
        "CSRF_TRUSTED_ORIGINS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
        "STORAGES",
        "SESSION_IDLE_TIMEOUT",
    )
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://pj.example.gov.cn"]
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert values["SESSION_IDLE_TIMEOUT"] == "0:30:00"


def test_development_keeps_plain_http(tmp_path):
    env = {"SECRET_KEY": "k" * 50, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    values = settings_of(env, "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE", "SECURE_SSL_REDIRECT")
    assert values == {"SECURE_PROXY_SSL_HEADER": None, "SESSION_COOKIE_SECURE": False, "SECURE_SSL_REDIRECT": False}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"DJANGO_DEBUG": "true"}, "DJANGO_DEBUG"),
        ({"SECRET_KEY": "change-me-to-a-long-random-string-generated-with-the-command-above"}, "示例值"),
        ({"DJANGO_ENV": "staging"}, "DJANGO_ENV"),
    ],
)
def test_production_refuses_unsafe_values(tmp_path, override, message):
    result = run([sys.executable, "-c", "import django; django.setup()"], production_env(tmp_path) | override)
    assert result.returncode != 0
    assert message in result.stderr


def test_sqlite_is_set_up_for_concurrent_writers(tmp_path):
    code = (
        "import django, json; django.setup(); from django.db import connection as c; cur = c.cursor(); "
        "print(json.dumps([cur.execute('PRAGMA journal_mode').fetchone()[0], "
        "cur.execute('PRAGMA busy_timeout').fetchone()[0], c.transaction_mode]))"
    )
    result = run([sys.executable, "-c", code], {"SECRET_KEY": "k" * 50, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["wal", 20000, "IMMEDIATE"]


CONCURRENT_WRITERS = """
import threading, django
django.setup()
from django.db import connection, transaction
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE counter (n integer)")
failures = []

def writer():
    try:
        for _ in range(25):
            with transaction.atomic():  # read, then write: what every save with a version check does
                with connection.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM counter")
                    cursor.execute("INSERT INTO counter VALUES (%s)", [cursor.fetchone()[0]])
    except Exception as error:
        failures.append(repr(error))
    finally:
        connection.close()

threads = [threading.Thread(target=writer) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*), count(DISTINCT n) FROM counter")
    print(failures[:1], cursor.fetchone())
"""


def test_sqlite_concurrent_read_then_write_transactions_all_succeed(tmp_path):
    env = {"SECRET_KEY": "k" * 50, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    result = run([sys.executable, "-c", CONCURRENT_WRITERS], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[] (200, 200)"  # no "database is locked", and every read saw the last write


@pytest.mark.django_db
def test_production_never_creates_demo_accounts(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match=r"生产环境.*不载入演示数据"):
        call_command("load_demo")
    assert not User.objects.exists()
