"""Where uploaded and rendered files live: local disk (MEDIA_ROOT) by default, S3-compatible object storage by env.

Every file (evidence, rectification proofs, report PDFs and Word files) goes through Django's storage API, so the
choice is made here once. Objects are private (no ACL, signed URLs only): downloads are streamed through views that
check access first, never linked directly.

STORAGE_BACKEND=local (default) or s3; for s3: AWS_STORAGE_BUCKET_NAME (required), AWS_S3_ENDPOINT_URL (MinIO,
Ceph, a cloud's S3-compatible endpoint), AWS_S3_REGION_NAME, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_LOCATION
(a key prefix), AWS_S3_ADDRESSING_STYLE (path or virtual).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

LOCAL = "local"
S3 = "s3"


def default_storage_from_env(environ: Mapping[str, str] = os.environ) -> dict:
    """The STORAGES["default"] entry the environment asks for; a wrong or incomplete setting fails at start-up."""
    backend = environ.get("STORAGE_BACKEND", LOCAL).strip().lower() or LOCAL
    if backend == LOCAL:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if backend != S3:
        raise ImproperlyConfigured(f"环境变量 STORAGE_BACKEND 的值 {backend!r} 无效：应为 local（本地磁盘）或 s3。")
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_options(environ)}


def s3_options(environ: Mapping[str, str]) -> dict:
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if not bucket:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 时必须设置 AWS_STORAGE_BUCKET_NAME（存放文件的桶名）。")
    options = {
        "bucket_name": bucket,
        "default_acl": None,  # private objects: the bucket's policy, never public-read
        "querystring_auth": True,  # any URL the library makes is signed and short-lived
        "querystring_expire": 300,
        "file_overwrite": False,  # a name already taken gets a suffix: a stored file is never replaced
        "location": environ.get("AWS_LOCATION", "").strip().strip("/"),
    }
    optional = {
        "endpoint_url": "AWS_S3_ENDPOINT_URL",
        "region_name": "AWS_S3_REGION_NAME",
        "access_key": "AWS_ACCESS_KEY_ID",
        "secret_key": "AWS_SECRET_ACCESS_KEY",
        "addressing_style": "AWS_S3_ADDRESSING_STYLE",
    }
    for option, name in optional.items():
        if environ.get(name, "").strip():
            options[option] = environ[name].strip()
    return options
