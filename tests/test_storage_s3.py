"""The object-storage path: evidence, report files and archives through S3-compatible storage (a local moto server
the tests start themselves), downloads only through the access-checked views, never public."""

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from config.storage import default_storage_from_env
from evaluations.models import Evidence
from reports.archive import verify_archive
from reports.backup import backup, verify
from reports.jobs import final_report
from tests import s3_server as s3
from tests.factories import TO_CONSULTATION, complete_report, walk

PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)


@pytest.fixture(scope="session")
def s3_server():
    server = s3.start()
    yield server
    server.stop()


@pytest.fixture
def bucket(s3_server, settings):
    """A fresh bucket as the default storage, configured exactly as a deployment's environment would."""
    name = s3_server.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": default_storage_from_env(s3_server.environ(name))}
    return name


def test_local_disk_is_the_default_and_s3_needs_a_bucket():
    assert default_storage_from_env({})["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        default_storage_from_env({"STORAGE_BACKEND": "s3"})
    with pytest.raises(ImproperlyConfigured, match="STORAGE_BACKEND"):
        default_storage_from_env({"STORAGE_BACKEND": "ftp"})
    options = default_storage_from_env({"STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": "b"})["OPTIONS"]
    assert options["default_acl"] is None and options["querystring_auth"] and not options["file_overwrite"]


@pytest.mark.slow
def test_upload_download_render_and_archive_round_trip_on_s3(
    client, world, bucket, s3_server, settings, django_capture_on_commit_callbacks
):
    evaluation = complete_report(world["a"])
    client.force_login(world["evaluator_a"])
    upload = SimpleUploadedFile("立项批复.pdf", PDF, content_type="application/pdf")
    response = client.post(reverse("evaluation-evidence", args=[evaluation.pk]), {"files": [upload]})
    assert response.status_code == 302
    item = Evidence.objects.get(evaluation=evaluation)
    assert s3_server.keys(bucket) == [item.file.name]  # in the bucket, not on the local disk
    assert not (settings.MEDIA_ROOT / item.file.name).exists()
    grants = s3_server.client().get_object_acl(Bucket=bucket, Key=item.file.name)["Grants"]
    assert all("AllUsers" not in str(grant.get("Grantee", {})) for grant in grants)  # private, never public-read

    download = client.get(reverse("evidence-download", args=[evaluation.pk, item.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    client.force_login(world["unit_b"])
    assert client.get(reverse("evidence-download", args=[evaluation.pk, item.pk])).status_code == 404

    walk(world, *TO_CONSULTATION, "submit", "approve", capture=django_capture_on_commit_callbacks)
    final = final_report(evaluation)
    assert final is not None
    assert {final.file.name, final.word_file.name} <= set(s3_server.keys(bucket))
    assert default_storage.exists(final.file.name)

    client.force_login(world["bureau_a"])
    pdf = client.get(reverse("evaluation-report-download", args=[evaluation.pk, final.number]))
    assert hashlib.sha256(b"".join(pdf.streaming_content)).hexdigest() == final.sha256
    archive = client.get(reverse("evaluation-archive", args=[evaluation.pk]))
    assert archive.status_code == 200 and verify_archive(archive.content) == []
    with zipfile.ZipFile(io.BytesIO(archive.content)) as package:
        assert package.read(f"06_佐证材料/{item.pk:04d}_立项批复.pdf") == PDF
        assert hashlib.sha256(package.read("01_评价报告（最终版）.pdf")).hexdigest() == final.sha256


def test_a_file_missing_from_the_bucket_is_a_chinese_404(client, world, bucket, s3_server):
    client.force_login(world["evaluator_a"])
    upload = SimpleUploadedFile("批复.pdf", PDF, content_type="application/pdf")
    client.post(reverse("evaluation-evidence", args=[world["a"].pk]), {"files": [upload]})
    item = Evidence.objects.get(evaluation=world["a"])
    s3_server.client().delete_object(Bucket=bucket, Key=item.file.name)
    response = client.get(reverse("evidence-download", args=[world["a"].pk, item.pk]))
    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)  # SQLite's backup API copies committed pages only
def test_a_backup_takes_the_files_from_the_bucket(client, world, bucket, tmp_path):
    client.force_login(world["evaluator_a"])
    upload = SimpleUploadedFile("批复.pdf", PDF, content_type="application/pdf")
    client.post(reverse("evaluation-evidence", args=[world["a"].pk]), {"files": [upload]})
    item = Evidence.objects.get(evaluation=world["a"])
    listing = backup(tmp_path / "backup")
    assert [entry["name"] for entry in listing["files"]] == [item.file.name]
    assert (tmp_path / "backup" / "files" / item.file.name).read_bytes() == PDF
    assert verify(tmp_path / "backup")["files"][0]["sha256"] == hashlib.sha256(PDF).hexdigest()
