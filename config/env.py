"""Typed readers for settings from environment variables.

Each helper fails at start-up with a message naming the variable and the bad value,
so a mistyped deployment never runs half-configured.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool, environ: Mapping[str, str] = os.environ) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"环境变量 {name} 的值 {raw!r} 无效：应为 true/false、1/0、yes/no 或 on/off。")


def env_list(name: str, default: list[str], environ: Mapping[str, str] = os.environ) -> list[str]:
    raw = environ.get(name)
    if raw is None:
        return list(default)
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"环境变量 {name} 为空：请用逗号分隔列出至少一个值。")
    return items


def env_int(name: str, default: int, environ: Mapping[str, str] = os.environ) -> int:
    raw = environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"环境变量 {name} 的值 {raw!r} 不是整数。") from None


# SQLite for several people saving at once: WAL lets readers go on while one writer writes; a writer waits up to
# 20 s for the lock instead of failing at once; transactions take the write lock when they begin (IMMEDIATE), so
# two transactions never both read and then both try to upgrade to writing (which fails at once, whatever the
# timeout). synchronous=NORMAL is safe in WAL mode (a power cut can lose the last commits, never corrupt the file).
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
}


def database_from_url(url: str, base_dir: Path) -> dict:
    """Parse DATABASE_URL: ``sqlite:///PATH`` (relative paths under base_dir) or ``postgres://…``."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "sqlite":
        path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
        if not path:
            raise ImproperlyConfigured(
                f"DATABASE_URL {url!r} 无效：SQLite 应写作 sqlite:///路径，例如 sqlite:///var/db.sqlite3。"
            )
        db_path = Path(path) if path.startswith("/") else base_dir / path
        db_path.parent.mkdir(parents=True, exist_ok=True)
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(db_path), "OPTIONS": dict(SQLITE_OPTIONS)}
    if scheme in {"postgres", "postgresql", "pgsql"}:
        config = dj_database_url.parse(url, conn_max_age=60)
        if not config.get("NAME"):
            raise ImproperlyConfigured(
                f"DATABASE_URL {url!r} 缺少数据库名，例如 postgres://postgres@127.0.0.1:5432/perf_eval。"
            )
        config["ENGINE"] = "django.db.backends.postgresql"
        return config
    raise ImproperlyConfigured(f"DATABASE_URL {url!r} 无效：只支持 sqlite:///路径 或 postgres://用户@主机:端口/库名。")
