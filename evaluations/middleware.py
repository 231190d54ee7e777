from django.shortcuts import render

from evaluations.domain.freezing import FrozenEvaluationError
from evaluations.domain.user_actions import user_action


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


class UserActionMiddleware:
    """A request is one user action: what it changes is one entry in the change log (evaluations.queries.audit)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return self.get_response(request)
        with user_action(getattr(request, "user", None)):
            return self.get_response(request)
