from django.http import JsonResponse, QueryDict
from django.shortcuts import render

from evaluations.domain.errors import ALL
from evaluations.domain.freezing import FrozenEvaluationError
from evaluations.domain.user_actions import user_action
from rubrics.text import clean_text, has_control

# One typed field: twice a whole seed report (the longest, 004, is 51,000 characters). The packed rows of a
# table carry the whole table; each of its cells is bounded by datatables.spec (MAX_CELL_CHARS, MAX_ROWS).
MAX_FIELD_CHARS = 100_000
MAX_PACKED_CHARS = 2_000_000
PACKED_FIELDS = {"rows"}


class FrozenEvaluationMiddleware:
    """A write that reaches a frozen evaluation by any path answers a Chinese 403 page, not a traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, FrozenEvaluationError):
            return render(request, "evaluations/frozen.html", {"message": str(exception)}, status=403)
        return None


class InputHygieneMiddleware:
    """Every query and form value without control characters, and no field beyond MAX_FIELD_CHARS.

    The one place form input is cleaned (tables, Excel, JSON documents and rich text are cleaned where they are
    parsed): a NUL answers 500 on PostgreSQL and \\x1b breaks the Excel export, so they never reach a model. A
    value that is too long answers a Chinese 400 and nothing is saved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = _cleaned(request.GET)
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            too_long = _too_long(request.POST)
            if too_long:
                return _refuse(request, too_long)
            request._post = _cleaned(request.POST)
        return self.get_response(request)


def _cleaned(data: QueryDict) -> QueryDict:
    if not any(has_control(key) or any(has_control(value) for value in values) for key, values in data.lists()):
        return data
    cleaned = QueryDict(mutable=True)
    for key, values in data.lists():
        cleaned.setlist(clean_text(key), [clean_text(value) for value in values])
    cleaned._mutable = False
    return cleaned


def _too_long(data: QueryDict) -> str:
    for key, values in data.lists():
        limit = MAX_PACKED_CHARS if key in PACKED_FIELDS else MAX_FIELD_CHARS
        for value in values:
            if len(value) > limit:
                return (
                    f"提交的内容过长：一项最多 {limit:,} 个字，现为 {len(value):,} 个字。本次提交未保存，请缩短后重试。"
                )
    return ""


def _refuse(request, message: str):
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"errors": {ALL: [message]}, "message": message}, status=400)
    return render(request, "evaluations/bad_input.html", {"message": message}, status=400)


class UserActionMiddleware:
    """A request is one user action: what it changes is one entry in the change log (evaluations.queries.audit)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return self.get_response(request)
        with user_action(getattr(request, "user", None)):
            return self.get_response(request)
