"""Test override: fast hashing, throw-away media, tasks run inline."""

import os
import tempfile
from pathlib import Path

# Settings refuse to start without these outside DEBUG; tests run like production (DEBUG off).
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")  # testserver: Django's test client
os.environ.setdefault("LOG_FILE", "")  # request logs to the console only (pytest captures them)
os.environ.setdefault("LOG_LEVEL", "WARNING")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="perf-eval-media-"))
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
