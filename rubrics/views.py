"""The rubrics app's one page endpoint: the rule editor's live preview (no database, nothing stored)."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from rubrics.rule_editor.drafts import rule_from_data
from rubrics.rule_editor.preview import preview

MAX_PREFIX_LENGTH = 200


@login_required
@require_POST
def rule_preview(request):
    """Score the rule typed in one editor (its boxes under ``prefix``) for the sample ``inputs`` and ``weight``.

    Always a JSON answer: {"ok": true, "score", "explanation", "problems"} or {"ok": false, "errors": [...]}.
    """
    prefix = request.POST.get("prefix", "")
    if not prefix or len(prefix) > MAX_PREFIX_LENGTH:
        return JsonResponse({"ok": False, "errors": ["试算请求不完整，请刷新页面后重试。"]})
    draft = rule_from_data(request.POST, prefix)
    return JsonResponse(preview(draft, request.POST.get("inputs"), request.POST.get("weight")))
