"""The idle sign-out's clock: the time of a session's last request, in the session itself (written at most once a
minute, and at sign-in, so a page's own requests do not each write the session)."""

from __future__ import annotations

import time

from django.conf import settings

LAST_SEEN = "last_seen"
TOUCH_EVERY = 60  # seconds


def mark_seen(session) -> None:
    session[LAST_SEEN] = int(time.time())


def is_idle(session) -> bool:
    last_seen = session.get(LAST_SEEN)
    return last_seen is not None and time.time() - last_seen > settings.SESSION_IDLE_TIMEOUT.total_seconds()


def needs_touch(session) -> bool:
    last_seen = session.get(LAST_SEEN)
    return last_seen is None or time.time() - last_seen >= TOUCH_EVERY


def on_sign_in(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: the clock starts at sign-in, in the same session write as the sign-in."""
    if request is not None and hasattr(request, "session"):
        mark_seen(request.session)
