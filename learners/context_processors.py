from django.conf import settings
from django.http import HttpRequest

from . import permissions


def navigation(request: HttpRequest) -> dict[str, object]:
    """What the navigation offers this person. At most one query (the manager check)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"site_name": settings.SITE_NAME, "nav": {}}
    admin = permissions.is_training_admin(user)
    manager = admin or permissions.is_manager(user)
    return {
        "site_name": settings.SITE_NAME,
        "nav": {
            "people": manager,
            "teams": manager,
            "admin": admin,
            "audit_log": permissions.can_read_audit_log(user),
            "operator": user.is_staff,
        },
    }
