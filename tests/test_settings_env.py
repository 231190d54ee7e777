import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import database_from_url, env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("1", True), ("YES", True), ("off", False), ("0", False)]
)
def test_env_bool_accepts_usual_spellings(raw, expected):
    assert env_bool("X", default=not expected, environ={"X": raw}) is expected


def test_env_bool_defaults_when_unset():
    assert env_bool("X", default=True, environ={}) is True


def test_env_bool_rejects_other_values_naming_the_variable():
    with pytest.raises(ImproperlyConfigured, match=r"DJANGO_DEBUG.*'maybe'"):
        env_bool("DJANGO_DEBUG", default=False, environ={"DJANGO_DEBUG": "maybe"})


def test_env_list_splits_and_rejects_empty():
    assert env_list("H", default=[], environ={"H": "a.example, b.example"}) == ["a.example", "b.example"]
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
        env_list("ALLOWED_HOSTS", default=[], environ={"ALLOWED_HOSTS": " , "})


def test_env_int_rejects_text():
    with pytest.raises(ImproperlyConfigured, match="不是整数"):
        env_int("N", default=1, environ={"N": "ten"})


def test_sqlite_url_relative_to_base_dir(tmp_path):
    config = database_from_url("sqlite:///var/x.sqlite3", tmp_path)
    assert (config["ENGINE"], config["NAME"]) == ("django.db.backends.sqlite3", str(tmp_path / "var/x.sqlite3"))


def test_sqlite_url_absolute_path(tmp_path):
    config = database_from_url(f"sqlite:///{tmp_path}/db.sqlite3", Path("/elsewhere"))
    assert config["NAME"] == f"{tmp_path}/db.sqlite3"


def test_postgres_url():
    config = database_from_url("postgres://postgres@127.0.0.1:5432/perf", Path("."))
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["HOST"], config["PORT"], config["USER"]) == (
        "perf",
        "127.0.0.1",
        5432,
        "postgres",
    )


@pytest.mark.parametrize("url", ["mysql://root@localhost/x", "sqlite://", "nonsense", "postgres://127.0.0.1:5432/"])
def test_bad_database_urls_fail_with_a_clear_message(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_from_url(url, Path("."))


def _start_django(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_DEBUG", "ALLOWED_HOSTS", "DATABASE_URL"}
    }
    env.update(DJANGO_SETTINGS_MODULE="config.settings", SECRET_KEY_FILE="/nonexistent/secret_key")
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('ok')"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_start_without_secret_key_fails_clearly():
    result = _start_django({"DJANGO_DEBUG": "false", "ALLOWED_HOSTS": "x.example"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_secret_key_is_read_from_the_key_file(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("from-file-" + "k" * 40)
    result = _start_django(
        {"DJANGO_DEBUG": "false", "SECRET_KEY_FILE": str(key_file), "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    )
    assert result.returncode == 0, result.stderr


def test_start_with_bad_debug_value_fails_clearly():
    result = _start_django({"DJANGO_DEBUG": "perhaps"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr


def test_production_start_with_settings_succeeds(tmp_path):
    result = _start_django(
        {
            "DJANGO_DEBUG": "false",
            "SECRET_KEY": "k" * 50,
            "ALLOWED_HOSTS": "x.example",
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_language_and_time_zone(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
