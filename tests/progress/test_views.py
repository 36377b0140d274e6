import pytest
from django.urls import reverse

from courses import services
from courses.models import Enrolment
from courses.services import enrolment_create
from progress import services as progress
from progress.models import LessonProgress
from tests.courses.builders import build_course

pytestmark = pytest.mark.django_db


def keys(course):
    return list(
        course.published_version.lessons.order_by("module__position", "position").values_list(
            "key", flat=True
        )
    )


def test_catalog_lists_live_courses_only(client, learner):
    build_course(slug="live", title="Live course")
    build_course(slug="draft", title="Secret draft", publish=False)
    client.force_login(learner)
    html = client.get(reverse("catalog")).content.decode()
    assert "Live course" in html
    assert "Secret draft" not in html


@pytest.mark.parametrize(
    ("persona", "status"), [("learner", 404), ("manager", 404), ("admin", 404)]
)
def test_draft_course_pages_are_404_for_everyone(
    client, request, persona, status, learner, manager, admin
):
    course = build_course(slug="draft", publish=False)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("course_detail", args=["draft"])).status_code == status
    key = course.versions.get().lessons.first().key
    assert client.get(reverse("lesson_detail", args=["draft", key])).status_code == status


def test_unpublished_course_disappears_but_progress_returns(client, learner):
    course = build_course()
    enrolment = enrolment_create(user=learner, course=course)
    progress.lesson_complete(enrolment=enrolment, lesson_key=keys(course)[0])
    services.course_unpublish(course=course, actor=None)
    client.force_login(learner)
    assert client.get(reverse("course_detail", args=[course.slug])).status_code == 404
    services.course_republish(course=course, actor=None)
    html = client.get(reverse("course_detail", args=[course.slug])).content.decode()
    assert "25% done" in html


def test_starting_a_course_opens_its_first_lesson(client, learner):
    course = build_course()
    client.force_login(learner)
    response = client.post(reverse("course_enrol", args=[course.slug]))
    assert response.url == reverse("lesson_detail", args=[course.slug, keys(course)[0]])
    assert Enrolment.objects.filter(user=learner, course=course).exists()


def test_course_that_is_not_open_cannot_be_self_started(client, learner):
    course = build_course(self_enrol=False)
    client.force_login(learner)
    assert (
        "Your manager assigns this course"
        in client.get(reverse("course_detail", args=[course.slug])).content.decode()
    )
    assert client.post(reverse("course_enrol", args=[course.slug])).status_code == 403
    assert not Enrolment.objects.exists()


def test_lessons_need_an_enrolment(client, learner):
    course = build_course()
    client.force_login(learner)
    response = client.get(reverse("lesson_detail", args=[course.slug, keys(course)[0]]))
    assert response.url == reverse("course_detail", args=[course.slug])


def test_lesson_from_another_course_is_404(client, learner):
    mine = build_course(slug="mine")
    other = build_course(slug="other")
    enrolment_create(user=learner, course=mine)
    client.force_login(learner)
    assert client.get(reverse("lesson_detail", args=["mine", keys(other)[0]])).status_code == 404


def test_walk_through_resume_and_finish_with_certificate(client, learner):
    course = build_course(modules=1, lessons=2)
    first, second = keys(course)
    client.force_login(learner)
    client.post(reverse("course_enrol", args=[course.slug]))
    page = client.get(reverse("lesson_detail", args=[course.slug, first]))
    assert page.status_code == 200
    assert "skip ahead without marking this done" in page.content.decode()
    done = client.post(reverse("lesson_complete", args=[course.slug, first]))
    assert done.url == reverse("lesson_detail", args=[course.slug, second])
    client.get(done.url)  # opens lesson 2, which becomes the resume point
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "Pick up where you left off" in dashboard
    assert reverse("lesson_detail", args=[course.slug, second]) in dashboard
    finish = client.post(reverse("lesson_complete", args=[course.slug, second]))
    assert finish.url == reverse("course_detail", args=[course.slug])
    enrolment = Enrolment.objects.get(user=learner, course=course)
    assert enrolment.completed_at is not None and enrolment.completed_lessons == 2
    assert enrolment.certificates.get().course_title == "Calm under fire"
    # Completing again changes nothing.
    client.post(reverse("lesson_complete", args=[course.slug, second]))
    assert LessonProgress.objects.filter(enrolment=enrolment).count() == 2


def test_time_pings_are_capped_and_validated(client, learner):
    course = build_course()
    first = keys(course)[0]
    client.force_login(learner)
    client.post(reverse("course_enrol", args=[course.slug]))
    client.get(reverse("lesson_detail", args=[course.slug, first]))
    url = reverse("lesson_time", args=[course.slug, first])
    assert client.post(url, {"seconds": "30"}).status_code == 204
    assert client.post(url, {"seconds": "99999"}).status_code == 204
    assert client.post(url, {"seconds": "-50"}).status_code == 204
    assert client.post(url, {"seconds": "lots"}).status_code == 400
    spent = LessonProgress.objects.get(lesson_key=first).seconds_spent
    assert spent == 30 + progress.MAX_SECONDS_PER_PING


def test_prerequisite_in_a_path_blocks_the_next_course(client, learner):
    one = build_course(slug="one", title="First course")
    two = build_course(slug="two", title="Second course")
    path = services.path_create(slug="p", title="Path", courses=[one, two], self_enrol=True)
    path.is_published = True
    path.save()
    path.steps.filter(course=two).update(requires_previous=True)
    client.force_login(learner)
    client.post(reverse("path_enrol", args=["p"]))
    response = client.get(reverse("lesson_detail", args=["two", keys(two)[0]]))
    assert response.url == reverse("course_detail", args=["two"])
    assert "First course" in client.get(reverse("course_detail", args=["two"])).content.decode()
    for key in keys(one):
        client.post(reverse("lesson_complete", args=["one", key]))
    assert client.get(reverse("lesson_detail", args=["two", keys(two)[0]])).status_code == 200


def test_first_visit_offers_the_starter_path_in_one_click(client, learner):
    course = build_course(slug="one")
    path = services.path_create(
        slug="essentials", title="Essentials", courses=[course], self_enrol=True
    )
    path.is_published = True
    path.save()
    client.force_login(learner)
    html = client.get(reverse("dashboard")).content.decode()
    assert "What this training is for" in html
    assert reverse("path_enrol", args=["essentials"]) in html
    response = client.post(reverse("path_enrol", args=["essentials"]))
    assert response.url == reverse("lesson_detail", args=["one", keys(course)[0]])


@pytest.mark.parametrize("size", [1, 6])
def test_course_page_query_count_is_fixed(client, learner, django_assert_num_queries, size):
    course = build_course(modules=size, lessons=size + 1)
    enrolment = enrolment_create(user=learner, course=course)
    for key in keys(course)[:size]:
        progress.lesson_complete(enrolment=enrolment, lesson_key=key)
    client.force_login(learner)
    # session, user, nav, course, enrolment, modules, lessons, progress, path prerequisites,
    # then quizzes and practice conversations (none here, so their progress lookups are skipped)
    with django_assert_num_queries(12):
        assert client.get(reverse("course_detail", args=[course.slug])).status_code == 200


@pytest.mark.parametrize("size", [1, 6])
def test_lesson_page_query_count_is_fixed(client, learner, django_assert_num_queries, size):
    # Not the first lesson: that one also asks for a "before" confidence rating (one query).
    course = build_course(modules=size, lessons=size + 1)
    enrolment_create(user=learner, course=course)
    client.force_login(learner)
    url = reverse("lesson_detail", args=[course.slug, keys(course)[-1]])
    client.get(url)
    # session, user, nav, course, enrolment, modules, lessons, progress, prerequisites (2 when
    # a path applies; 1 here), then lesson_open: get-or-create progress, its update, enrolment,
    # and (the last lesson of its module) the quizzes and practice conversations that may follow
    with django_assert_num_queries(14):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("size", [1, 8])
def test_dashboard_query_count_with_courses_is_fixed(
    client, learner, django_assert_num_queries, size
):
    for n in range(size):
        course = build_course(slug=f"c{n}", modules=2, lessons=2)
        enrolment = enrolment_create(user=learner, course=course)
        progress.lesson_complete(enrolment=enrolment, lesson_key=keys(course)[0])
    client.force_login(learner)
    # ... including the required checks of every course (progress_for: two queries while
    # none is required), the checkpoints of the course the next step is in (two), and two for
    # the refresher card (refreshers.selectors.summary_for)
    with django_assert_num_queries(16):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert len(response.context["active"]) == size


@pytest.mark.parametrize("paths", [1, 4])
def test_blocking_course_query_count_does_not_grow_with_paths(
    learner, django_assert_num_queries, paths
):
    from progress.selectors import blocking_course

    target = build_course(slug="target", title="Target")
    for n in range(paths):
        first = build_course(slug=f"first-{n}", title=f"First {n}")
        path = services.path_create(
            slug=f"p{n}", title=f"Path {n}", courses=[first, target], self_enrol=True
        )
        path.steps.filter(course=target).update(requires_previous=True)
        services.path_enrol(user=learner, path=path)
    with django_assert_num_queries(3):
        blocker = blocking_course(learner, target)
    assert blocker is not None and blocker.slug == "first-0"


def test_catalog_lists_paths_in_their_order_then_other_courses_with_their_length(client, learner):
    zebra = build_course(slug="zebra", title="Zebra crossing basics", modules=1, lessons=3)
    alpha = build_course(slug="alpha", title="Alpha follow-up", modules=2, lessons=2)
    build_course(slug="other", title="Beta extras", modules=1, lessons=1)
    hidden = build_course(slug="hidden", title="Draft only", publish=False)
    services.path_create(
        slug="essentials",
        title="Essentials",
        courses=[zebra, alpha, hidden],
        is_published=True,
    )
    client.force_login(learner)
    response = client.get(reverse("catalog"))
    (group,) = response.context["catalog"].paths
    assert [c.slug for c in group.courses] == ["zebra", "alpha"]  # the path's order
    assert [c.slug for c in response.context["catalog"].others] == ["other"]
    html = response.content.decode()
    assert html.index("Zebra crossing basics") < html.index("Alpha follow-up")
    assert html.index("Alpha follow-up") < html.index("Beta extras")
    assert "3 lessons · about 12 minutes" in html
    assert "4 lessons · about 16 minutes" in html
    assert "1 lesson · about 4 minutes" in html
    assert "Draft only" not in html


@pytest.mark.parametrize("size", [1, 6])
def test_catalog_query_count_is_fixed(client, learner, django_assert_num_queries, size):
    courses = [build_course(slug=f"c{n}", title=f"Course {n}") for n in range(size)]
    services.path_create(slug="p", title="Path", courses=courses[: size // 2], is_published=True)
    client.force_login(learner)
    # session, user, nav, courses with their length, paths, path steps, enrolments
    with django_assert_num_queries(7):
        assert client.get(reverse("catalog")).status_code == 200
