"""Who may see which refreshers.

A learner answers and sees only their own review items and answers; whatever is someone else's
answers 404, the same as what doesn't exist. Managers read retention through the people they
may see (`learners.permissions.people_visible_to`), on the progress pages; nobody answers a
refresher for someone else.
"""

from __future__ import annotations

from django.http import Http404

from learners.permissions import AnyUser

from .models import Review, ReviewItem


def get_item_for(user: AnyUser, pk: int) -> ReviewItem:
    """The person's own review item that they can still be shown (`ReviewItem.objects
    .showable`), with its question's current version or its line joined. Raises Http404 for
    anyone else's, a hidden one, and one that doesn't exist alike. One query."""
    if not user.is_authenticated or not user.is_active:
        raise Http404
    item = (
        ReviewItem.objects.for_learner(user.pk)
        .select_related("question__current", "node__scenario", "course__published_version")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    return item


def get_review_for(user: AnyUser, pk: int) -> Review:
    """One of the person's own refresher answers, with its item; Http404 otherwise (someone
    else's, a quiz's first rating, or none). One query."""
    if not user.is_authenticated or not user.is_active:
        raise Http404
    review = (
        Review.objects.filter(
            pk=pk, item__user_id=user.pk, source=Review.Source.REFRESHER, session__isnull=False
        )
        .select_related("item__question__current", "item__node__scenario", "session")
        .first()
    )
    if review is None:
        raise Http404
    return review
