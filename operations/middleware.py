"""Middleware for running the service: the request log, the idle sign-out, and no caching of signed-in pages."""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.cache import add_never_cache_headers, patch_cache_control

from operations import sessions
from operations.logging import request_context

logger = logging.getLogger("operations.requests")
_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")  # the proxy's $request_id, or any sane id a client sends
_STATIC_PREFIX = "/" + settings.STATIC_URL.lstrip("/")
_EVALUATION_PATH = re.compile(r"^/(?:admin/evaluations/)?evaluations?/(\d+)/")


class RequestLogMiddleware:
    """One log line per request: id (also sent back as X-Request-ID), method, path, status, user, evaluation,
    duration in ms. Every other record logged during the request carries the same id, user and evaluation."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        given = request.headers.get("X-Request-ID", "")
        request.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        match = _EVALUATION_PATH.match(request.path_info)
        fields = {"request_id": request.request_id, "evaluation": int(match.group(1)) if match else None}
        token = request_context.set(fields)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            if request.path_info.startswith(_STATIC_PREFIX):
                return response  # static files: nginx's access log has them; here they would drown the pages
            fields.setdefault("user", None)  # requests that never reached RequestUserMiddleware (static files)
            logger.info(
                "%s %s %s",
                request.method,
                request.path_info,
                response.status_code,
                extra={
                    **fields,
                    "method": request.method,
                    "path": request.path_info,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_context.reset(token)


class RequestUserMiddleware:
    """Right after AuthenticationMiddleware: the signed-in user's name goes into the request's log fields, so the
    records logged while the view runs (an error's traceback included) say whose request it was."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        fields = request_context.get()
        if fields is not None:
            fields["user"] = request.user.get_username() if request.user.is_authenticated else None
        return self.get_response(request)


class IdleSessionMiddleware:
    """Signs a user out after settings.SESSION_IDLE_TIMEOUT without a request, with a Chinese note on the login page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            if sessions.is_idle(request.session):
                logout(request)
                messages.info(request, "长时间未操作，已自动退出登录，请重新登录。")
                return redirect_to_login(request.get_full_path())
            if sessions.needs_touch(request.session):
                sessions.mark_seen(request.session)
        return self.get_response(request)


class NoStoreForSignedInMiddleware:
    """Pages for a signed-in user are never kept by the browser or a proxy (a shared computer's back button or
    cache must not show them to the next person). Static files and anonymous pages are unaffected."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response
