"""manage.py backup and restore: the database and every stored file with a manifest of SHA-256, restored into an
empty database and storage (another process, as after losing a server), refused whole when tampered or partial.

Runs on the configured database: SQLite, and PostgreSQL when DATABASE_URL says so (CI's second run)."""

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from evaluations.domain.evidence import store_evidence
from reports.backup import MANIFEST
from reports.jobs import final_report
from tests.factories import TO_CONSULTATION, complete_report, walk

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CHECK_RESTORED = """
from evaluations.models import Evaluation, Evidence
from reports.archive import build_archive, verify_archive
from reports.jobs import final_report
evaluation = Evaluation.objects.get(pk={pk})
data, _ = build_archive(evaluation)
print(evaluation.state, Evidence.objects.count(), final_report(evaluation).sha256, len(verify_archive(data)))
"""


@pytest.fixture
def approved(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    evaluation = complete_report(world["a"])
    store_evidence(
        evaluation=evaluation,
        uploads=[SimpleUploadedFile("立项批复.pdf", PDF, content_type="application/pdf")],
        user=world["evaluator_a"],
    )
    walk(world, *TO_CONSULTATION, "submit", "approve")  # committed at once: the final report renders
    assert final_report(evaluation) is not None
    return evaluation


@pytest.fixture
def target(tmp_path):
    """An empty database and an empty media directory for the restoring process, like a new server's."""
    media = tmp_path / "restored-media"
    if connection.vendor != "postgresql":
        yield {"DATABASE_URL": f"sqlite:///{tmp_path / 'restored.sqlite3'}", "MEDIA_ROOT": str(media)}
        return
    params = connection.settings_dict
    name = f"perf_eval_restore_{uuid.uuid4().hex[:10]}"
    admin = {"host": params["HOST"], "port": params["PORT"] or 5432, "user": params["USER"], "dbname": "postgres"}
    if params.get("PASSWORD"):
        admin["password"] = params["PASSWORD"]
    with psycopg.connect(**admin, autocommit=True) as server:
        server.execute(f'CREATE DATABASE "{name}"')
    auth = f"{params['USER']}:{params['PASSWORD']}" if params.get("PASSWORD") else params["USER"]
    url = f"postgres://{auth}@{params['HOST']}:{params['PORT'] or 5432}/{name}"
    yield {"DATABASE_URL": url, "MEDIA_ROOT": str(media)}
    with psycopg.connect(**admin, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(target: dict, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        **target,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "restore-test-key",
        "DJANGO_DEBUG": "false",
        "STORAGE_BACKEND": "local",
        "TASKS_IMMEDIATE": "true",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def backed_up(tmp_path) -> Path:
    directory = tmp_path / "backup"
    call_command("backup", output=str(directory), stdout=open(os.devnull, "w"))  # noqa: SIM115
    return directory


def test_a_backup_restores_into_an_empty_database_and_storage_with_every_file(approved, tmp_path, target):
    directory = backed_up(tmp_path)
    listing = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    final = final_report(approved)
    names = {entry["name"] for entry in listing["files"]}
    assert {final.file.name, final.word_file.name, approved.evidence.get().file.name} <= names

    restored = manage(target, "restore", str(directory))
    assert restored.returncode == 0, restored.stderr
    assert "已恢复" in restored.stdout
    check = manage(target, "shell", "-c", CHECK_RESTORED.format(pk=approved.pk))
    assert check.returncode == 0, check.stderr
    # the restored evaluation, its evidence and final report; its archive builds and verifies
    assert check.stdout.splitlines()[-1].split() == ["approved", "1", final.sha256, "0"]

    again = manage(target, "restore", str(directory))  # never over data that is there
    assert again.returncode != 0 and "不是空的" in again.stderr


def _refused(directory: Path, target: dict, *words: str) -> None:
    result = manage(target, "restore", str(directory))
    assert result.returncode != 0
    for word in words:
        assert word in result.stderr, result.stderr
    media = Path(target["MEDIA_ROOT"])
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))  # nothing restored


def test_a_changed_file_is_refused_naming_it_and_nothing_is_restored(approved, tmp_path, target):
    directory = backed_up(tmp_path)
    evidence = approved.evidence.get().file.name
    (directory / "files" / evidence).write_bytes(PDF + b"%")
    _refused(directory, target, evidence, "SHA-256")
    # nothing was loaded either: the same target takes the untouched backup afterwards
    (directory / "files" / evidence).write_bytes(PDF)
    assert manage(target, "restore", str(directory)).returncode == 0


def test_a_partial_backup_is_refused_naming_the_first_missing_file(approved, tmp_path, target):
    directory = backed_up(tmp_path)
    final = final_report(approved)
    (directory / "files" / final.file.name).unlink()
    _refused(directory, target, "备份不完整", final.file.name)
    (directory / MANIFEST).unlink()
    _refused(directory, target, "manifest.json")


def test_a_file_added_to_the_backup_is_refused(approved, tmp_path, target):
    directory = backed_up(tmp_path)
    (directory / "files" / "extra.pdf").write_bytes(PDF)
    _refused(directory, target, "extra.pdf", "不在清单中")


def test_a_final_report_replaced_together_with_its_manifest_line_is_refused(approved, tmp_path, target):
    """The manifest alone is not trusted for the record: the restored database's approval hash decides."""
    directory = backed_up(tmp_path)
    final = final_report(approved)
    forged = b"%PDF-1.7 forged report"
    (directory / "files" / final.file.name).write_bytes(forged)
    listing = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    for entry in listing["files"]:
        if entry["name"] == final.file.name:
            entry["size"], entry["sha256"] = len(forged), hashlib.sha256(forged).hexdigest()
    (directory / MANIFEST).write_text(json.dumps(listing), encoding="utf-8")
    _refused(directory, target, "最终报告", final.file.name, "批准时")
    check = manage(
        target, "shell", "-c", "from django.db import connection; print(connection.introspection.table_names())"
    )
    assert check.stdout.splitlines()[-1] == "[]"  # the load was undone: the database is empty again


def test_backup_refuses_a_directory_in_use_and_restore_a_tampered_one_in_process(approved, tmp_path):
    directory = backed_up(tmp_path)
    with pytest.raises(CommandError, match="不是空的"):
        call_command("backup", output=str(directory))
    (directory / "files" / approved.evidence.get().file.name).write_bytes(b"x")
    with pytest.raises(CommandError, match="SHA-256"):
        call_command("restore", str(directory), check=True)
