from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from operations import health


@require_GET
@never_cache
def healthz(request):
    """For the proxy and the monitor: 200 when everything answers, 503 otherwise; no sign-in, nothing private."""
    result = health.check()
    return JsonResponse(result.as_json(), status=200 if result.ok else 503)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out username, on either login page (AXES_LOCKOUT_CALLABLE)."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
