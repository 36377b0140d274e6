"""Who may play and author practice conversations.

Everyone signed in sees the published scenarios of live courses; playing one follows the course
(`courses.permissions.can_take_part`), exactly as for quizzes. People play only their own runs;
their managers and admins may read a finished run's debrief, as they read quiz reviews.
Training admins author every scenario and try drafts in the author preview; the learner pages
answer 404 for drafts to them too. Whatever someone may not see is reported as missing.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from assessments.models import Scenario, ScenarioNode, ScenarioReply, ScenarioRun
from courses.permissions import can_take_part, courses_visible_to
from learners.permissions import (
    AnyUser,
    can_author_content,
    is_training_admin,
    people_visible_to,
    require_author,
)


def scenarios_visible_to(user: AnyUser) -> QuerySet[Scenario]:
    """Published scenarios whose course is live, for active signed-in people; none for
    visitors. One query when evaluated (the courses are a subquery)."""
    if not user.is_authenticated or not user.is_active:
        return Scenario.objects.none()
    return Scenario.objects.filter(
        is_published=True, course__in=courses_visible_to(user).published().values("pk")
    )


def can_play_scenario(user: AnyUser, scenario: Scenario) -> bool:
    """A published scenario may be played by whoever may take part in its course. One query
    when `scenario.course` is loaded."""
    return scenario.is_published and can_take_part(user, scenario.course)


def get_scenario_for(user: AnyUser, slug: str) -> Scenario:
    """The playable scenario with `slug`, its course and live version joined. Raises Http404
    for drafts, unpublished courses and visitors. One query."""
    scenario = (
        scenarios_visible_to(user)
        .filter(slug=slug)
        .select_related("course__published_version")
        .first()
    )
    if scenario is None:
        raise Http404
    return scenario


def runs_visible_to(user: AnyUser) -> QuerySet[ScenarioRun]:
    """Own runs; a manager's people's runs; every run for admins; none for visitors. The same
    rule as quiz attempts."""
    if not user.is_authenticated or not user.is_active:
        return ScenarioRun.objects.none()
    if is_training_admin(user):
        return ScenarioRun.objects.all()
    return ScenarioRun.objects.filter(user__in=people_visible_to(user).values("pk"))


def get_run_for(user: AnyUser, scenario: Scenario, pk: int) -> ScenarioRun:
    """The user's own run `pk` of `scenario`, to play on; Http404 for anyone else's run or
    another scenario's. One query."""
    if not user.is_authenticated:
        raise Http404
    run = ScenarioRun.objects.filter(user=user, scenario=scenario, pk=pk).first()
    if run is None:
        raise Http404
    run.scenario = scenario
    return run


def get_run_for_review(user: AnyUser, scenario: Scenario, pk: int) -> ScenarioRun:
    """Run `pk` of `scenario` to look at: the user's own (going on or finished), or, for their
    manager or an admin, a finished one (its debrief); Http404 otherwise. One query for the
    learner's own run, three for someone else's."""
    if not user.is_authenticated:
        raise Http404
    run = ScenarioRun.objects.filter(scenario=scenario, pk=pk).select_related("user").first()
    if run is None:
        raise Http404
    if run.user_id != user.pk and (
        run.finished_at is None or not runs_visible_to(user).filter(pk=run.pk).exists()
    ):
        raise Http404
    run.scenario = scenario
    return run


def scenarios_editable_by(user: AnyUser) -> QuerySet[Scenario]:
    """Every scenario for authors; none for everyone else. No query until evaluated."""
    if not can_author_content(user):
        return Scenario.objects.none()
    return Scenario.objects.all()


def get_authored_scenario(user: AnyUser, pk: int) -> Scenario:
    """Scenario `pk` with its course (and live version) joined, for an author; Http404 for
    everyone else. One query for authors, none otherwise."""
    require_author(user)
    scenario = Scenario.objects.filter(pk=pk).select_related("course__published_version").first()
    if scenario is None:
        raise Http404
    return scenario


def get_authored_node(user: AnyUser, pk: int) -> ScenarioNode:
    """Line `pk` with its scenario and course joined, for an author; Http404 otherwise."""
    require_author(user)
    node = ScenarioNode.objects.select_related("scenario__course").filter(pk=pk).first()
    if node is None:
        raise Http404
    return node


def get_authored_reply(user: AnyUser, pk: int) -> ScenarioReply:
    """Reply `pk` with its line, scenario and course joined, for an author; Http404 otherwise."""
    require_author(user)
    reply = ScenarioReply.objects.select_related("node__scenario__course").filter(pk=pk).first()
    if reply is None:
        raise Http404
    return reply
