from evaluations.roles import Role, roles_of


def navigation(request):
    """Roles of the signed-in user, for the navigation bar."""
    roles = roles_of(request.user)
    return {
        "user_roles": sorted(role.value for role in roles),
        "is_admin_user": Role.ADMIN in roles or getattr(request.user, "is_staff", False),
    }
