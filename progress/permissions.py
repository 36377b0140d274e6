"""Who may see which certificates and take part in which courses' lessons."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from learners.permissions import AnyUser, is_training_admin, people_visible_to

from .models import Certificate


def certificates_visible_to(user: AnyUser) -> QuerySet[Certificate]:
    """Admins see every certificate; managers their own and those of the people in the teams they
    manage (nested teams too); learners only their own. Empty for anonymous or inactive users.

    For a non-admin, one query now (the managed teams, via people_visible_to) and one when
    evaluated; for an admin, only the one when evaluated.
    """
    if not user.is_authenticated or not user.is_active:
        return Certificate.objects.none()
    if is_training_admin(user):
        return Certificate.objects.all()
    return Certificate.objects.filter(user__in=people_visible_to(user).values("pk"))


def get_certificate_for(user: AnyUser, code: str) -> Certificate:
    """The certificate with exactly this `code` (as issued: upper case, no separators) if the
    user may see it; raises Http404 otherwise, so someone else's certificate looks the same as a
    code that doesn't exist. Queries as for certificates_visible_to."""
    try:
        return certificates_visible_to(user).get(code=code)
    except Certificate.DoesNotExist as exc:
        raise Http404 from exc
