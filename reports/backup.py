"""Backups you can restore: the database and every stored file, with a manifest of SHA-256.

A backup directory holds ``database.sqlite3`` (SQLite's online backup API) or ``database.dump`` (pg_dump's custom
format), ``files/`` (every file of the default storage, under its storage name) and ``manifest.json``, written last:
a directory without it is an interrupted backup. ``restore`` checks everything it can before it changes anything
(the manifest, then every file's size and SHA-256 in manifest order, then that no file is there that the manifest
does not list, then that the database and the storage are empty); after loading the database it checks that every
file a record names is in the backup and that every final report's file has the SHA-256 stored at approval. Any
failure names the first file that fails; a failure after loading empties the database again, so the target is left
as it was found.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connection, models
from django.utils import timezone

from reports.models import ReportStatus, ReportVersion

FORMAT = "perf-eval-backup/1"
MANIFEST = "manifest.json"
FILES_DIR = "files"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore refused; the message says why in Chinese and names the first file that failed."""


@dataclass(frozen=True)
class Entry:
    name: str  # the storage name (or the database file's name in the backup)
    size: int
    sha256: str


# --- files ---------------------------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def stored_names(storage: Storage = default_storage, directory: str = "") -> Iterator[str]:
    """Every file name in the storage (local disk or a bucket), depth first."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:  # a local MEDIA_ROOT that was never created holds nothing
        return
    for name in sorted(files):
        yield f"{directory}/{name}" if directory else name
    for name in sorted(directories):
        yield from stored_names(storage, f"{directory}/{name}" if directory else name)


def _copy_out(storage: Storage, name: str, target: Path) -> Entry:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with storage.open(name, "rb") as source, target.open("wb") as out:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return Entry(name, size, digest.hexdigest())


def referenced_files() -> Iterator[tuple[str, str]]:
    """(storage name, which record names it) for every non-empty file field of every model."""
    for model in apps.get_models():
        fields = [field.name for field in model._meta.concrete_fields if isinstance(field, models.FileField)]
        for field in fields:
            for pk, name in model._default_manager.exclude(**{field: ""}).values_list("pk", field):
                if name:
                    yield name, f"{model._meta.verbose_name} #{pk}"


# --- the database ----------------------------------------------------------------------------------------------


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _pg_env() -> dict[str, str]:
    settings = connection.settings_dict
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings.get(key):
            env[variable] = str(settings[key])
    return env


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"找不到 {command[0]}：请安装 PostgreSQL 客户端（apt-get install postgresql-client）。")
    # A fixed argument list (no shell); the only variable parts are the configured database name and a path.
    result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} 失败：{result.stderr.strip()[:500]}")


def _dump_database(directory: Path) -> Path:
    if _is_postgres():
        target = directory / PG_FILE
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(target),
                connection.settings_dict["NAME"],
            ]
        )
        return target
    if connection.in_atomic_block:  # the backup API would wait forever on this connection's own open write
        raise BackupError("备份须在事务之外运行（SQLite 的在线备份只复制已提交的数据）。")
    target = directory / SQLITE_FILE
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)  # a consistent copy while others keep writing
    finally:
        copy.close()
    return target


def database_is_empty() -> bool:
    return not connection.introspection.table_names(include_views=True)


def _load_database(path: Path) -> None:
    if _is_postgres():
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
                connection.settings_dict["NAME"],
                str(path),
            ]
        )
        return
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _empty_database() -> None:
    """Undo a load that failed its checks: the target was empty, so it is emptied again."""
    with connection.cursor() as cursor:
        if _is_postgres():
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            return
        cursor.execute("PRAGMA foreign_keys = OFF")
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
        cursor.execute("PRAGMA foreign_keys = ON")


# --- backup -------------------------------------------------------------------------------------------------


def backup(output: Path, storage: Storage = default_storage) -> dict:
    """Write a backup into ``output`` (new or empty); returns the manifest."""
    if output.exists() and any(output.iterdir()):
        raise BackupError(f"输出目录 {output} 不是空的：请为每次备份指定一个新目录。")
    output.mkdir(parents=True, exist_ok=True)
    database = _dump_database(output)
    files = [_copy_out(storage, name, output / FILES_DIR / name) for name in stored_names(storage)]
    kept = {entry.name for entry in files}
    missing = sorted({name for name, _ in referenced_files()} - kept)
    listing = {
        "format": FORMAT,
        "created_at": timezone.localtime().isoformat(timespec="seconds"),
        "database": {
            "engine": connection.vendor,
            **_entry_dict(Entry(database.name, database.stat().st_size, sha256_of(database))),
        },
        "files": [_entry_dict(entry) for entry in files],
        "missing_at_backup": missing,  # named by a record but already absent from storage when the backup ran
    }
    (output / MANIFEST).write_text(json.dumps(listing, ensure_ascii=False, indent=2), encoding="utf-8")
    return listing


def _entry_dict(entry: Entry) -> dict:
    return {"name": entry.name, "size": entry.size, "sha256": entry.sha256}


# --- restore -------------------------------------------------------------------------------------------------


def read_manifest(directory: Path) -> dict:
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(f"备份不完整：{directory} 中没有 {MANIFEST}（备份可能中途中断），未做任何更改。")
    try:
        listing = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BackupError(f"备份的 {MANIFEST} 已损坏，无法读取，未做任何更改。") from None
    if not isinstance(listing, dict) or listing.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST} 不是本系统的备份清单（应为 {FORMAT}），未做任何更改。")
    return listing


def _check(path: Path, entry: dict, label: str) -> None:
    if not path.is_file():
        raise BackupError(f"备份不完整：缺少{label}「{entry['name']}」，未做任何更改。")
    if path.stat().st_size != entry["size"] or sha256_of(path) != entry["sha256"]:
        raise BackupError(f"备份已被改动：{label}「{entry['name']}」与清单中的 SHA-256 不符，未做任何更改。")


def verify(directory: Path) -> dict:
    """Check a backup against its manifest without changing anything; returns the manifest."""
    listing = read_manifest(directory)
    database = listing["database"]
    expected = PG_FILE if database.get("engine") == "postgresql" else SQLITE_FILE
    if database.get("name") != expected:
        raise BackupError(f"{MANIFEST} 中的数据库文件应为 {expected}，未做任何更改。")
    _check(directory / expected, database, "数据库文件")
    for entry in listing["files"]:
        _check(directory / FILES_DIR / entry["name"], entry, "文件")
    listed = {entry["name"] for entry in listing["files"]}
    root = directory / FILES_DIR
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            name = path.relative_to(root).as_posix()
            if path.is_file() and name not in listed:
                raise BackupError(f"备份已被改动：文件「{name}」不在清单中，未做任何更改。")
    return listing


def _check_target(listing: dict, storage: Storage) -> None:
    engine = listing["database"]["engine"]
    if engine != connection.vendor:
        raise BackupError(f"这是 {engine} 数据库的备份，当前配置的数据库是 {connection.vendor}，未做任何更改。")
    if not database_is_empty():
        raise BackupError(
            "目标数据库不是空的：恢复只写入新建的空数据库（不要先执行 migrate），以免覆盖现有数据。未做任何更改。"
        )
    first = next(stored_names(storage), None)
    if first is not None:
        raise BackupError(f"目标存储不是空的（已有文件「{first}」）：恢复只写入空的存储。未做任何更改。")


def _check_loaded(listing: dict) -> None:
    """After loading: every file a record names is in the backup; every final report has its approved hash."""
    hashes = {entry["name"]: entry["sha256"] for entry in listing["files"]}
    for name, owner in referenced_files():
        if name not in hashes:
            raise BackupError(f"备份不完整：{owner} 引用的文件「{name}」不在备份中。")
    finals = ReportVersion.objects.filter(is_final=True, status=ReportStatus.DONE).exclude(file="")
    for version in finals.only("pk", "file", "sha256", "evaluation_id").order_by("pk"):
        if hashes[version.file.name] != version.sha256:
            raise BackupError(
                f"备份已被改动：最终报告「{version.file.name}」（评价 #{version.evaluation_id}）"
                "与批准时保存的 SHA-256 不符。"
            )


def restore(directory: Path, storage: Storage = default_storage) -> dict:
    """Restore a verified backup into the empty database and storage; all or nothing. Returns the manifest."""
    listing = verify(directory)
    _check_target(listing, storage)
    _load_database(directory / listing["database"]["name"])
    written: list[str] = []
    try:
        _check_loaded(listing)
        for entry in listing["files"]:
            with (directory / FILES_DIR / entry["name"]).open("rb") as handle:
                saved = storage.save(entry["name"], File(handle, name=entry["name"]))
            written.append(saved)
            if saved != entry["name"]:
                raise BackupError(f"存储没有按原名保存文件「{entry['name']}」（得到「{saved}」）。")
    except BaseException as error:
        for name in written:
            storage.delete(name)
        _empty_database()
        if isinstance(error, BackupError):
            raise BackupError(f"{error}已撤销恢复，数据库和存储保持为空。") from None
        raise
    return listing
