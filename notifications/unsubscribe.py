"""One-click unsubscribe links: signed, so nobody can turn off someone else's emails, and
without expiry, so a link in an old email still works."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .kinds import OPTIONAL

_SALT = "notifications.unsubscribe"


def token(*, user_id: int, kinds: list[str]) -> str:
    """A token that turns off `kinds` (the optional ones among them) for `user_id`."""
    return signing.dumps({"u": user_id, "k": sorted(set(kinds) & OPTIONAL)}, salt=_SALT)


def url(*, user_id: int, kinds: list[str]) -> str:
    """The absolute unsubscribe link for emails (built from SITE_URL: tasks have no request)."""
    return settings.SITE_URL + reverse(
        "notification_unsubscribe", args=[token(user_id=user_id, kinds=kinds)]
    )


def read(value: str) -> tuple[int, list[str]]:
    """(user id, kinds) from a token. Raises signing.BadSignature for a token that was not
    made here or was changed, and ValueError for one of the wrong shape."""
    data = signing.loads(value, salt=_SALT)
    if not isinstance(data, dict):
        raise ValueError("bad token")
    user_id, kinds = data.get("u"), data.get("k")
    if not isinstance(user_id, int) or not isinstance(kinds, list):
        raise ValueError("bad token")
    return user_id, [k for k in kinds if k in OPTIONAL]
