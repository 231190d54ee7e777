"""What every page's navigation bar shows: the user's roles and how much waits for them."""

from evaluations.models import Role, roles_of
from evaluations.queries.access import can_register_project, has_signoff_queue
from evaluations.queries.commissions import commission_inbox
from evaluations.queries.inbox import inbox


def navigation(request):
    """Roles of the signed-in user and what waits for them, for the navigation bar."""
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
        "inbox_count": len(inbox(request.user)) + len(commission_inbox(request.user)),
        # 评价任务: the bureau that commissions and the firm's evaluators who accept; 项目登记: both register projects.
        "sees_commissions": bool(roles & {Role.BUREAU, Role.EVALUATOR, Role.ADMIN}),
        "registers_projects": can_register_project(request.user),
        "has_signoff_queue": has_signoff_queue(request.user),
    }
