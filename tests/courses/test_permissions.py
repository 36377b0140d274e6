"""Who may start a course or path, and who may take part in a course."""

import pytest

from courses import permissions, services
from courses.services import enrolment_create
from tests.courses.builders import build_course

pytestmark = pytest.mark.django_db


def test_starting_a_course_follows_open_to_everyone(learner, admin):
    open_course = build_course(slug="open", self_enrol=True)
    assigned_only = build_course(slug="assigned-only", self_enrol=False)
    assert permissions.can_start_course(learner, open_course)
    assert not permissions.can_start_course(learner, assigned_only)
    assert permissions.can_start_course(admin, assigned_only)
    services.course_unpublish(course=open_course, actor=None)
    assert not permissions.can_start_course(learner, open_course)
    assert not permissions.can_start_course(admin, open_course)


def test_taking_part_needs_a_live_course_and_a_place_on_it(learner, other_learner, admin):
    course = build_course(self_enrol=False)
    assert not permissions.can_take_part(learner, course)
    assert not permissions.can_take_part(admin, course)
    enrolment_create(user=learner, course=course)
    assert permissions.can_take_part(learner, course)
    assert not permissions.can_take_part(other_learner, course)
    services.course_unpublish(course=course, actor=None)
    assert not permissions.can_take_part(learner, course)


def test_starting_a_path_follows_open_to_everyone(learner, admin):
    course = build_course()
    path = services.path_create(slug="p", title="P", courses=[course], is_published=True)
    assert not permissions.can_start_path(learner, path)
    assert permissions.can_start_path(admin, path)
    path.self_enrol = True
    assert permissions.can_start_path(learner, path)
