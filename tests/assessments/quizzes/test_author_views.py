"""Authoring quizzes in the browser (training admins only)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments.models import Question, QuestionBank, Quiz
from assessments.questions import services as question_services
from assessments.quizzes.services import editing
from tests.assessments import builders
from tests.assessments.questions.test_author_views import (
    html_of,
    make_questions,
    new_question_url,
    question_post,
)
from tests.courses.builders import build_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(db) -> QuestionBank:
    return question_services.bank_path_get_or_create(path=["Customer service", "De-escalation"])


@pytest.fixture
def course(db):
    return build_course(modules=2, lessons=1)


def make_quiz(course, **settings) -> Quiz:
    module = course.published_version.modules.order_by("position").first()
    return editing.quiz_create(
        course=course,
        data=editing.QuizSettings(title="Check", module_key=module.key, **settings),
    )


# --- Permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "allowed"), [("learner", False), ("manager", False), ("admin", True)]
)
def test_only_training_admins_reach_every_page_and_action(
    client, request, persona, allowed, learner, manager, admin, bank, course
):
    question = make_questions(bank, 1)[0]
    extra = make_questions(bank, 2)
    quiz = make_quiz(course)
    slot = editing.slot_add_question(quiz=quiz, question=question)
    editing.slot_add_question(quiz=quiz, question=extra[0])
    client.force_login(request.getfixturevalue(persona))

    pages = [
        reverse("author_banks"),
        reverse("author_bank_new"),
        reverse("author_bank", args=[bank.pk]),
        reverse("author_question_new", args=[bank.pk]),
        new_question_url(bank, "single"),
        reverse("author_question", args=[question.pk]),
        reverse("author_quizzes", args=[course.pk]),
        reverse("author_quiz_new", args=[course.pk]),
        reverse("author_quiz", args=[quiz.pk]),
        reverse("author_quiz_add_question", args=[quiz.pk]),
    ]
    for url in pages:
        assert client.get(url).status_code == (200 if allowed else 404), url

    single = question_post(
        "options", [{"text": "Breathe", "correct": "on"}, {"text": "Shout back"}]
    )
    actions = [
        (reverse("author_bank_new"), {"name": "Phone calls"}, 302),
        (new_question_url(bank, "single"), single, 302),
        (reverse("author_question", args=[question.pk]), {**single, "title": "Renamed"}, 302),
        (reverse("author_question_preview"), {**single, "kind": "single"}, 200),
        (
            reverse("author_quiz_new", args=[course.pk]),
            {"title": "Final", "pass_percent": "70", "max_attempts": "0", "cooldown_minutes": "0"},
            302,
        ),
        (
            reverse("author_quiz", args=[quiz.pk]),
            {
                "title": "Check 2",
                "module": "",
                "pass_percent": "80",
                "max_attempts": "0",
                "cooldown_minutes": "0",
            },
            302,
        ),
        (
            reverse("author_quiz_add_question", args=[quiz.pk]),
            {"question": [str(extra[1].pk)]},
            302,
        ),
        (
            reverse("author_quiz_add_draw", args=[quiz.pk]),
            {"draw-bank": str(bank.pk), "draw-count": "2"},
            302,
        ),
        (reverse("author_quiz_slot_move", args=[slot.pk]), {"direction": "down"}, 302),
        (reverse("author_quiz_publish", args=[quiz.pk]), {}, 302),
        (reverse("author_quiz_unpublish", args=[quiz.pk]), {}, 302),
        (reverse("author_quiz_slot_remove", args=[slot.pk]), {}, 302),
    ]
    for url, data, status in actions:
        response = client.post(url, data)
        assert response.status_code == (status if allowed else 404), (url, html_of(response)[:2000])

    if not allowed:
        assert QuestionBank.objects.count() == 2
        assert Question.objects.count() == 3
        question.refresh_from_db()
        assert question.current.title == "Q0"
        assert list(Quiz.objects.values_list("title", flat=True)) == ["Check"]
        assert quiz.slots.count() == 2


def test_visitors_are_sent_to_sign_in(client, bank):
    response = client.get(reverse("author_bank", args=[bank.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url


# --- Quizzes ----------------------------------------------------------------------------------


def quiz_data(**fields: str) -> dict[str, str]:
    data = {
        "title": "Calm check",
        "intro": "Five questions on staying calm.",
        "module": "",
        "pass_percent": "80",
        "max_attempts": "3",
        "cooldown_minutes": "10",
        "time_limit_minutes": "15",
        "shuffle_questions": "on",
        "required": "on",
        "self_rating_prompt": "",
    }
    data.update(fields)
    return data


def test_create_a_quiz_after_a_module(client, admin, course):
    module = course.published_version.modules.order_by("position").first()
    client.force_login(admin)
    page = client.get(reverse("author_quiz_new", args=[course.pk]))
    choices = [c[1] for c in page.context["form"].fields["module"].choices]
    assert choices == ["Module 1", "Module 2", "The whole course (a final quiz)"]
    response = client.post(
        reverse("author_quiz_new", args=[course.pk]),
        quiz_data(module=str(module.key), self_rating_prompt="How calm do you feel?"),
    )
    quiz = Quiz.objects.get()
    assert response.url == reverse("author_quiz", args=[quiz.pk])
    assert (quiz.course, quiz.module_key, quiz.title, quiz.intro) == (
        course,
        module.key,
        "Calm check",
        "Five questions on staying calm.",
    )
    assert (
        quiz.pass_percent,
        quiz.max_attempts,
        quiz.cooldown_minutes,
        quiz.time_limit_minutes,
    ) == (80, 3, 10, 15)
    assert (quiz.shuffle_questions, quiz.required) == (True, True)
    assert quiz.self_rating_prompt == "How calm do you feel?"
    assert not quiz.is_published


def test_quiz_errors_sit_on_their_fields_and_keep_input(client, admin, course):
    client.force_login(admin)
    response = client.post(
        reverse("author_quiz_new", args=[course.pk]),
        quiz_data(pass_percent="120", self_rating_prompt="How calm?", time_limit_minutes=""),
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"pass_percent"}
    response = client.post(
        reverse("author_quiz_new", args=[course.pk]), quiz_data(self_rating_prompt="How calm?")
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"self_rating_prompt"}
    assert 'value="How calm?"' in html_of(response)
    assert Quiz.objects.count() == 0


def test_update_quiz_settings(client, admin, course):
    quiz = make_quiz(course)
    client.force_login(admin)
    page = client.get(reverse("author_quiz", args=[quiz.pk]))
    assert page.context["form"]["module"].value() == str(quiz.module_key)
    response = client.post(
        reverse("author_quiz", args=[quiz.pk]),
        quiz_data(title="Final check", time_limit_minutes=""),
    )
    assert response.status_code == 302
    quiz.refresh_from_db()
    assert (quiz.title, quiz.module_key, quiz.time_limit_minutes, quiz.pass_percent) == (
        "Final check",
        None,
        None,
        80,
    )
    response = client.post(reverse("author_quiz", args=[quiz.pk]), quiz_data(title=" "))
    assert response.status_code == 400 and "title" in response.context["form"].errors


def test_quiz_list_shows_the_course_quizzes(client, admin, course, bank):
    quiz = make_quiz(course)
    first, *_others = make_questions(bank, 3)
    editing.slot_add_draw(quiz=quiz, bank=bank, count=2)
    editing.slot_add_question(quiz=quiz, question=first)
    client.force_login(admin)
    html = html_of(client.get(reverse("author_quizzes", args=[course.pk])))
    assert reverse("author_quiz", args=[quiz.pk]) in html
    assert "<td>Module 1</td>" in html and "<td>3</td>" in html
    assert reverse("author_quiz_new", args=[course.pk]) in html


def test_slots_add_fixed_and_random_reorder_and_remove(client, admin, course, bank):
    first, second, third = make_questions(bank, 3)
    quiz = make_quiz(course)
    client.force_login(admin)
    add_question = reverse("author_quiz_add_question", args=[quiz.pk])
    add_draw = reverse("author_quiz_add_draw", args=[quiz.pk])

    client.post(add_question, {"question": str(first.pk)})
    client.post(add_draw, {"draw-bank": str(bank.pk), "draw-count": "2"})
    client.post(add_question, {"question": str(second.pk)})
    slots = list(quiz.slots.order_by("position"))
    assert [(s.question_id, s.bank_id, s.draw_count) for s in slots] == [
        (first.pk, None, 1),
        (None, bank.pk, 2),
        (second.pk, None, 1),
    ]

    html = html_of(client.get(reverse("author_quiz", args=[quiz.pk])))
    assert "Q0" in html and "Single choice" in html
    assert "2 random questions from “Customer service › De-escalation”" in html
    assert "Move Q1 up" in html  # the reorder buttons name what they move
    # The question already in the quiz can't be ticked again.
    offered = html_of(client.get(add_question))
    assert f'name="question" value="{third.pk}">' in offered
    assert f'name="question" value="{first.pk}" disabled>' in offered

    response = client.post(
        reverse("author_quiz_slot_move", args=[slots[2].pk]), {"direction": "up"}
    )
    assert response.url == f"{reverse('author_quiz', args=[quiz.pk])}#slot-{slots[2].pk}"
    assert list(quiz.slots.order_by("position").values_list("pk", flat=True)) == [
        slots[0].pk,
        slots[2].pk,
        slots[1].pk,
    ]
    client.post(reverse("author_quiz_slot_move", args=[slots[0].pk]), {"direction": "up"})
    assert quiz.slots.order_by("position").first() == slots[0]
    assert (
        client.post(
            reverse("author_quiz_slot_move", args=[slots[0].pk]), {"direction": "sideways"}
        ).status_code
        == 400
    )

    client.post(reverse("author_quiz_slot_remove", args=[slots[1].pk]))
    assert list(quiz.slots.values_list("pk", flat=True).order_by("position")) == [
        slots[0].pk,
        slots[2].pk,
    ]


# --- Adding several questions at once -----------------------------------------------------------


def test_several_questions_are_added_in_one_post_and_ones_in_the_quiz_are_skipped_by_name(
    client, admin, course, bank
):
    first, second, third, fourth = make_questions(bank, 4)
    quiz = make_quiz(course)
    editing.slot_add_question(quiz=quiz, question=first)
    client.force_login(admin)
    url = reverse("author_quiz_add_question", args=[quiz.pk])

    # Ticked in another tab before "first" was added here: it is skipped, and said so.
    response = client.post(url, {"question": [third.pk, first.pk, second.pk, third.pk]})

    assert response.status_code == 302
    slots = list(quiz.slots.order_by("position"))
    assert [s.question_id for s in slots] == [first.pk, third.pk, second.pk]
    assert response.url == f"{reverse('author_quiz', args=[quiz.pk])}#slot-{slots[1].pk}"
    page = html_of(client.get(response.url))
    assert "Added 2 questions." in page
    assert "Already in this quiz, so not added again: “Q0”." in page
    assert fourth.pk not in [s.question_id for s in slots]


def test_archived_questions_are_skipped_with_their_names(client, admin, course, bank):
    kept, archived = make_questions(bank, 2)
    Question.objects.filter(pk=archived.pk).update(archived=True)
    quiz = make_quiz(course)
    client.force_login(admin)
    response = client.post(
        reverse("author_quiz_add_question", args=[quiz.pk]),
        {"question": [kept.pk, archived.pk]},
        follow=True,
    )
    assert "Added 1 question." in html_of(response)
    assert "Archived or empty, so not added: “Q1”." in html_of(response)
    assert list(quiz.slots.values_list("question_id", flat=True)) == [kept.pk]


@pytest.mark.parametrize("ticked", [[], ["x"], ["12abc"]])
def test_nothing_or_garbage_ticked_comes_back_with_the_reason_and_no_change(
    client, admin, course, bank, ticked
):
    make_questions(bank, 1)
    quiz = make_quiz(course)
    client.force_login(admin)
    url = reverse("author_quiz_add_question", args=[quiz.pk])
    response = client.post(f"{url}?kind=single", {"question": ticked})
    assert response.status_code == 400
    page = html_of(response)
    assert 'id="picker-error" role="alert"' in page
    assert "Tick at least one question" in page or "wasn&#x27;t a question" in page
    assert 'name="kind"' in page and '<option value="single" selected>' in page  # filter kept
    assert quiz.slots.count() == 0


def test_a_refused_post_keeps_the_ticks(client, admin, course, bank):
    first, second = make_questions(bank, 2)
    quiz = make_quiz(course)
    client.force_login(admin)
    url = reverse("author_quiz_add_question", args=[quiz.pk])
    response = client.post(url, {"question": [str(first.pk), "oops"]})
    assert response.status_code == 400
    assert f'value="{first.pk}" checked>' in html_of(response)
    assert f'value="{second.pk}">' in html_of(response)
    assert "1 selected" in html_of(response)
    assert quiz.slots.count() == 0


def test_the_list_is_narrowed_by_words_bank_inside_banks_and_kind(client, admin, course, bank):
    calm = question_services.question_create(bank=bank, data=builders.single(title="Breathe first"))
    inner = question_services.bank_path_get_or_create(
        path=["Customer service", "De-escalation", "Apologies"]
    )
    sorry = question_services.question_create(bank=inner, data=builders.truefalse())
    elsewhere = question_services.bank_path_get_or_create(path=["Phone calls"])
    phone = question_services.question_create(
        bank=elsewhere, data=builders.short(title="Hold music")
    )
    quiz = make_quiz(course)
    client.force_login(admin)
    url = reverse("author_quiz_add_question", args=[quiz.pk])

    def shown(**query) -> set[int]:
        page = html_of(client.get(url, query))
        rows = page.split("<li data-picker-row")[1:]
        return {
            int(row.split('name="question" value="')[1].split('"')[0])
            for row in rows
            if " hidden>" not in row.split(">")[0] + ">"
        }

    assert shown() == {calm.pk, sorry.pk, phone.pk}
    assert shown(q="BREATHE") == {calm.pk}
    assert shown(q="sorry fault") == {sorry.pk}  # words in the question itself
    assert shown(bank=bank.pk) == {calm.pk, sorry.pk}  # with the bank inside it
    assert shown(bank=inner.pk) == {sorry.pk}
    assert shown(kind="short") == {phone.pk}
    assert shown(q="nothing like this") == set()
    assert "No question matches" in html_of(client.get(url, {"q": "nothing like this"}))
    # A filter that makes no sense is named next to its field; the list stays whole.
    response = client.get(url, {"bank": "x", "kind": "essay"})
    assert response.status_code == 400
    assert 'id="id_bank_error"' in html_of(response) and 'id="id_kind_error"' in html_of(response)


@pytest.mark.parametrize("size", [1, 8])
def test_add_questions_page_query_count_is_fixed(
    client, admin, course, bank, django_assert_num_queries, size
):
    questions = make_questions(bank, size * 2)
    quiz = make_quiz(course)
    for question in questions[:size]:
        editing.slot_add_question(quiz=quiz, question=question)
    client.force_login(admin)
    # session, user, quiz with course, bank tree, questions, draft version, modules
    with django_assert_num_queries(7):
        response = client.get(reverse("author_quiz_add_question", args=[quiz.pk]))
    assert response.status_code == 200
    assert html_of(response).count("<li data-picker-row") == size * 2


def test_a_random_draw_cannot_take_more_than_the_bank_holds(client, admin, course, bank):
    make_questions(bank, 2)
    quiz = make_quiz(course)
    client.force_login(admin)
    response = client.post(
        reverse("author_quiz_add_draw", args=[quiz.pk]),
        {"draw-bank": str(bank.pk), "draw-count": "3"},
    )
    assert response.status_code == 400
    assert response.context["draw_form"].errors["count"] == [
        "“De-escalation” holds 2 questions, so a draw can take at most 2."
    ]
    assert 'id="id_draw-count_error"' in html_of(response)
    assert 'name="draw-count" value="3"' in html_of(response)
    assert quiz.slots.count() == 0


def test_adding_the_same_question_twice_is_refused(course, bank):
    question = make_questions(bank, 1)[0]
    quiz = make_quiz(course)
    editing.slot_add_question(quiz=quiz, question=question)
    with pytest.raises(ValidationError) as caught:
        editing.slot_add_question(quiz=quiz, question=question)
    assert "question" in caught.value.message_dict


def test_publishing_an_empty_quiz_is_refused_with_a_clear_message(client, admin, course, bank):
    quiz = make_quiz(course)
    client.force_login(admin)
    response = client.post(reverse("author_quiz_publish", args=[quiz.pk]), follow=True)
    assert "Add at least one question before publishing the quiz." in html_of(response)
    quiz.refresh_from_db()
    assert not quiz.is_published

    slot = editing.slot_add_question(quiz=quiz, question=make_questions(bank, 1)[0])
    response = client.post(reverse("author_quiz_publish", args=[quiz.pk]), follow=True)
    quiz.refresh_from_db()
    assert quiz.is_published
    assert "learners can take it" in html_of(response)

    # Its last question can't be taken away while learners can see it.
    response = client.post(reverse("author_quiz_slot_remove", args=[slot.pk]), follow=True)
    assert "only question" in html_of(response)
    assert quiz.slots.count() == 1

    client.post(reverse("author_quiz_unpublish", args=[quiz.pk]))
    quiz.refresh_from_db()
    assert not quiz.is_published


def test_preview_shows_a_draft_quiz_to_its_author_and_only_there(
    client, admin, learner, course, bank
):
    quiz = make_quiz(course)
    (fixed,) = make_questions(bank, 1)
    editing.slot_add_question(quiz=quiz, question=fixed)
    other = question_services.bank_path_get_or_create(path=["Draws"])
    make_questions(other, 2)
    editing.slot_add_draw(quiz=quiz, bank=other, count=1)
    client.force_login(admin)
    edit = html_of(client.get(reverse("author_quiz", args=[quiz.pk])))
    url = reverse("author_quiz_preview", args=[quiz.pk])
    assert f'href="{url}"' in edit
    # Learner pages show live content only, to admins too: the draft is reached by its preview.
    assert client.get(reverse("quiz_detail", args=[quiz.key])).status_code == 404
    page = html_of(client.get(url))
    assert "Question 1" in page and "Question 2" in page and "Question 3" not in page
    assert "A customer shouts. What do you do <strong>first</strong>?" in page
    assert "Drawn at random from “Draws”" in page
    assert "Not published yet" in page
    client.force_login(learner)
    assert client.get(url).status_code == 404


# --- Query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 8])
def test_quiz_editor_query_count_is_fixed(
    client, admin, course, bank, django_assert_num_queries, size
):
    questions = make_questions(bank, size * 2)
    quiz = make_quiz(course)
    for question in questions[:size]:
        editing.slot_add_question(quiz=quiz, question=question)
    editing.slot_add_draw(quiz=quiz, bank=bank, count=size)
    client.force_login(admin)
    # session, user, quiz with course, draft version, live version's modules, slots, bank tree,
    # and the content check's choices and accepted answers
    with django_assert_num_queries(9):
        assert client.get(reverse("author_quiz", args=[quiz.pk])).status_code == 200


@pytest.mark.parametrize("size", [1, 8])
def test_quiz_list_query_count_is_fixed(client, admin, course, django_assert_num_queries, size):
    for _ in range(size):
        make_quiz(course)
    client.force_login(admin)
    # session, user, course, draft version, modules, quizzes with their question totals
    with django_assert_num_queries(6):
        assert client.get(reverse("author_quizzes", args=[course.pk])).status_code == 200


def test_the_quiz_editor_shows_the_content_check(client, admin, course, bank):
    quiz = make_quiz(course)
    for question in make_questions(bank, 2):
        editing.slot_add_question(quiz=quiz, question=question)
    client.force_login(admin)
    page = client.get(reverse("author_quiz", args=[quiz.pk])).content.decode()
    check = page[page.index('id="check-title"') : page.index('id="settings-title"')]
    assert "Right answer is the longest option" in check
    assert "True/false answers" in check
    # Both questions' right answer, "Take a slow breath", is their longest option.
    assert "The right answer is the longest option in 2 of 2" in check


@pytest.mark.parametrize("garbled", ["9" * 19, "²", "9" * 5000])
def test_an_id_no_database_holds_is_refused_not_a_server_error(
    client, admin, course, bank, garbled
):
    (first,) = make_questions(bank, 1)
    quiz = make_quiz(course)
    client.force_login(admin)
    url = reverse("author_quiz_add_question", args=[quiz.pk])
    response = client.post(url, {"question": [str(first.pk), garbled]})
    assert response.status_code == 400
    assert quiz.slots.count() == 0
