"""What every page's navigation bar shows: the user's roles and how much waits for them."""

from evaluations.models import Role, roles_of
from evaluations.queries.access import can_register_project, has_signoff_queue
from evaluations.queries.commissions import commission_inbox_count
from evaluations.queries.inbox import inbox_count


def navigation(request):
    """Roles of the signed-in user and what waits for them, for the navigation bar. Computed once per request: a
    template rendered with the request again (django-tables2's render_table) reuses it."""
    cached = getattr(request, "_navigation", None)
    if cached is None:
        cached = request._navigation = _navigation(request)
    return cached


def _navigation(request):
    roles = roles_of(request.user)
    if not roles:
        return {
            "user_roles": [],
            "is_admin_user": False,
            "inbox_count": 0,
            "is_bureau_user": False,
            "sees_commissions": False,
            "registers_projects": False,
            "has_signoff_queue": False,
        }
    return {
        "user_roles": sorted(role.value for role in roles),
        "is_admin_user": Role.ADMIN in roles or getattr(request.user, "is_staff", False),
        "is_bureau_user": bool(roles & {Role.BUREAU, Role.ADMIN}),
        "inbox_count": inbox_count(request.user) + commission_inbox_count(request.user),
        # 评价任务: the bureau that commissions and the firm's evaluators who accept; 项目登记: both register projects.
        "sees_commissions": bool(roles & {Role.BUREAU, Role.EVALUATOR, Role.ADMIN}),
        "registers_projects": can_register_project(request.user),
        "has_signoff_queue": has_signoff_queue(request.user),
    }
