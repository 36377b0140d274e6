"""Authoring question banks, questions and quizzes in the browser (training admins only)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments import attempts
from assessments.authoring import services
from assessments.models import (
    AcceptedAnswer,
    MatchPair,
    Question,
    QuestionBank,
    QuestionVersion,
    Quiz,
)
from assessments.questions import services as question_services
from tests.assessments import builders
from tests.courses.builders import build_course

pytestmark = pytest.mark.django_db

D = Decimal


# --- Helpers ----------------------------------------------------------------------------------


def rows(prefix: str, items: list[dict[str, str]], total: int = 6) -> dict[str, str]:
    """The POST data of a question's rows: `items` then blank rows up to `total`."""
    data = {f"{prefix}-TOTAL_FORMS": str(max(total, len(items))), f"{prefix}-INITIAL_FORMS": "0"}
    for i, row in enumerate(items):
        for name, value in row.items():
            data[f"{prefix}-{i}-{name}"] = value
    return data


def question_post(prefix: str, items: list[dict[str, str]], total: int = 6, **fields: str):
    data = {
        "title": "Calm first",
        "prompt": "A customer shouts. What do you do **first**?",
        "explanation": "Calm yourself first.",
        "points": "1",
    }
    data.update(fields)
    data.update(rows(prefix, items, total))
    return data


def new_question_url(bank: QuestionBank, kind: str) -> str:
    return f"{reverse('author_question_new', args=[bank.pk])}?kind={kind}"


@pytest.fixture
def bank(db) -> QuestionBank:
    return question_services.bank_path_get_or_create(path=["Customer service", "De-escalation"])


@pytest.fixture
def course(db):
    return build_course(modules=2, lessons=1)


def make_questions(bank: QuestionBank, n: int) -> list[Question]:
    return [
        question_services.question_create(bank=bank, data=builders.single(title=f"Q{i}"))
        for i in range(n)
    ]


def make_quiz(course, **settings) -> Quiz:
    module = course.published_version.modules.order_by("position").first()
    return services.quiz_create(
        course=course,
        data=services.QuizSettings(title="Check", module_key=module.key, **settings),
    )


def html_of(response) -> str:
    return response.content.decode()


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
    slot = services.slot_add_question(quiz=quiz, question=question)
    services.slot_add_question(quiz=quiz, question=extra[0])
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
            {"fixed-question": str(extra[1].pk)},
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


# --- Banks ------------------------------------------------------------------------------------


def test_admin_creates_a_bank_then_one_inside_it(client, admin):
    client.force_login(admin)
    response = client.post(reverse("author_bank_new"), {"name": "Customer service"})
    top = QuestionBank.objects.get(name="Customer service")
    assert top.parent is None
    assert response.url == reverse("author_bank", args=[top.pk])

    page = client.get(reverse("author_bank", args=[top.pk]))
    assert f'href="{reverse("author_bank_new")}?parent={top.pk}"' in html_of(page)
    form = client.get(f"{reverse('author_bank_new')}?parent={top.pk}").context["form"]
    assert form["parent"].value() == top.pk

    client.post(reverse("author_bank_new"), {"name": "Apologies", "parent": str(top.pk)})
    inner = QuestionBank.objects.get(name="Apologies")
    assert inner.parent == top

    tree = html_of(client.get(reverse("author_banks")))
    # Nested: the inner bank's list sits inside the top bank's list item.
    assert re.search(
        r"Customer service</a>.*?<ul class=\"bank-tree\">\s*<li>\s*<a[^>]*>Apologies", tree, re.S
    )
    assert "0 questions" in tree


def test_a_sibling_bank_name_can_be_used_only_once(client, admin, bank):
    client.force_login(admin)
    response = client.post(
        reverse("author_bank_new"), {"name": "de-escalation", "parent": str(bank.parent_id)}
    )
    assert response.status_code == 400
    assert "already a bank" in response.context["form"].errors["name"][0]
    assert 'value="de-escalation"' in html_of(response)
    assert QuestionBank.objects.count() == 2


def test_bank_page_lists_questions_with_kind_points_and_version(client, admin, bank):
    question = question_services.question_create(bank=bank, data=builders.multiple())
    question_services.question_update(question=question, data=builders.multiple("Good signs!"))
    client.force_login(admin)
    html = html_of(client.get(reverse("author_bank", args=[bank.pk])))
    row = re.search(rf'<tr id="question-{question.pk}">(.*?)</tr>', html, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
    assert cells == ["Good signs!", "Multiple response", "2", "1"]
    assert 'name="kind" value="matching"' in html  # the kind picker


# --- Questions: one per kind ------------------------------------------------------------------


def test_create_single_choice_with_part_credit_and_blank_rows_ignored(client, admin, bank):
    client.force_login(admin)
    data = question_post(
        "options",
        [
            {"text": "Take a slow breath", "correct": "on", "feedback": "Yes."},
            {"text": "Shout back", "feedback": "That doubles the heat."},
            {},
            {"text": "Count to three", "credit": "50"},
        ],
        points="2.5",
    )
    response = client.post(new_question_url(bank, "single"), data)
    question = Question.objects.get()
    assert response.url == f"{reverse('author_bank', args=[bank.pk])}#question-{question.pk}"
    version = question.current
    assert (version.kind, version.title, version.points, version.number) == (
        "single",
        "Calm first",
        D("2.5"),
        1,
    )
    assert "<strong>first</strong>" in version.prompt_html
    assert [(c.text, c.fraction, c.feedback) for c in version.choices.all()] == [
        ("Take a slow breath", D(1), "Yes."),
        ("Shout back", D(0), "That doubles the heat."),
        ("Count to three", D("0.5"), ""),
    ]


def test_create_multiple_response_shares_credit_between_ticked_options(client, admin, bank):
    client.force_login(admin)
    data = question_post(
        "options",
        [
            {"text": "That sounds frustrating", "correct": "on"},
            {"text": "I can see why you're upset", "correct": "on"},
            {"text": "Let me look now", "correct": "on"},
            {"text": "Calm down", "credit": "-50", "feedback": "Rarely works."},
        ],
    )
    client.post(new_question_url(bank, "multiple"), data)
    version = Question.objects.get().current
    assert version.kind == "multiple"
    assert [(c.text, c.fraction) for c in version.choices.all()] == [
        ("That sounds frustrating", D("0.33333")),
        ("I can see why you're upset", D("0.33333")),
        ("Let me look now", D("0.33333")),
        ("Calm down", D("-0.5")),
    ]


def test_create_multiple_response_with_typed_credits(client, admin, bank):
    client.force_login(admin)
    data = question_post(
        "options",
        [
            {"text": "Name the feeling", "correct": "on", "credit": "70"},
            {"text": "Say sorry", "credit": "30"},
            {"text": "Blame the courier"},
        ],
    )
    client.post(new_question_url(bank, "multiple"), data)
    version = Question.objects.get().current
    assert [c.fraction for c in version.choices.all()] == [D("0.7"), D("0.3"), D(0)]


def test_create_true_false(client, admin, bank):
    client.force_login(admin)
    page = client.get(new_question_url(bank, "truefalse"))
    assert [r["text"].value() for r in page.context["rows"]] == ["True", "False"]
    data = question_post(
        "options",
        [
            {"text": "True", "feedback": "Sorry can mean “I'm sorry this happened”."},
            {"text": "False", "correct": "on"},
        ],
        total=2,
        prompt="Saying sorry means admitting it was your fault.",
    )
    client.post(new_question_url(bank, "truefalse"), data)
    version = Question.objects.get().current
    assert version.kind == "truefalse"
    assert [(c.text, c.fraction) for c in version.choices.all()] == [
        ("True", D(0)),
        ("False", D(1)),
    ]


def test_create_short_answer(client, admin, bank):
    client.force_login(admin)
    data = question_post(
        "answers",
        [
            {"text": "fight or flight"},
            {"text": "fight-or-flight"},
            {"text": "adrenaline", "credit": "50", "feedback": "Close: that's the hormone."},
        ],
        total=4,
        case_sensitive="on",
    )
    client.post(new_question_url(bank, "short"), data)
    version = Question.objects.get().current
    assert version.kind == "short" and version.case_sensitive
    assert sorted((a.text, a.fraction, a.feedback) for a in AcceptedAnswer.objects.all()) == [
        ("adrenaline", D("0.5"), "Close: that's the hormone."),
        ("fight or flight", D(1), ""),
        ("fight-or-flight", D(1), ""),
    ]


def test_create_ordering(client, admin, bank):
    client.force_login(admin)
    data = question_post(
        "items", [{"text": "Listen"}, {"text": "Acknowledge"}, {}, {"text": "Offer options"}]
    )
    client.post(new_question_url(bank, "ordering"), data)
    version = Question.objects.get().current
    assert version.kind == "ordering"
    assert [(c.position, c.text) for c in version.choices.all()] == [
        (0, "Listen"),
        (1, "Acknowledge"),
        (2, "Offer options"),
    ]


def test_create_matching(client, admin, bank):
    client.force_login(admin)
    data = question_post(
        "pairs",
        [
            {"prompt": "Where is my order?!", "answer": "Angry"},
            {"prompt": "Will it arrive in time?", "answer": "Anxious"},
        ],
    )
    client.post(new_question_url(bank, "matching"), data)
    version = Question.objects.get().current
    assert version.kind == "matching"
    assert [(p.prompt, p.answer) for p in MatchPair.objects.order_by("position")] == [
        ("Where is my order?!", "Angry"),
        ("Will it arrive in time?", "Anxious"),
    ]


def test_save_and_write_another_returns_to_a_blank_form_of_the_same_kind(client, admin, bank):
    client.force_login(admin)
    data = question_post("items", [{"text": "Listen"}, {"text": "Act"}], another="1")
    response = client.post(new_question_url(bank, "ordering"), data)
    assert response.url == new_question_url(bank, "ordering")


def test_new_question_without_a_kind_asks_for_one(client, admin, bank):
    client.force_login(admin)
    response = client.get(reverse("author_question_new", args=[bank.pk]))
    assert response.status_code == 200
    assert 'name="kind" value="short"' in html_of(response)
    assert client.get(new_question_url(bank, "essay")).status_code == 400


# --- Questions: errors ------------------------------------------------------------------------


def test_single_choice_without_a_right_answer_is_refused_on_the_options(client, admin, bank):
    client.force_login(admin)
    data = question_post(
        "options",
        [{"text": "Take a slow breath", "feedback": "Keep me"}, {"text": "Shout back"}],
        title="Typed title",
    )
    response = client.post(new_question_url(bank, "single"), data)
    html = html_of(response)
    assert response.status_code == 400
    assert response.context["editor"].part_errors == [
        "Mark exactly one option as the right answer."
    ]
    assert not response.context["form"].errors
    # The message sits inside the options part, right under its help, and the part points at it.
    part = re.search(r'<fieldset class="question-part".*?</fieldset>', html, re.S).group(0)
    assert 'aria-describedby="part-help part-errors"' in part
    assert "Mark exactly one option as the right answer." in part
    for typed in [
        'value="Typed title"',
        "Take a slow breath</textarea>",
        "Keep me</textarea>",
        "A customer shouts.",
    ]:
        assert typed in html
    assert Question.objects.count() == 0


def test_multiple_credits_must_add_up_to_100(client, admin, bank):
    client.force_login(admin)
    data = question_post(
        "options",
        [
            {"text": "Name the feeling", "correct": "on", "credit": "50"},
            {"text": "Say sorry", "correct": "on", "credit": "30"},
            {"text": "Blame the courier", "credit": "-100"},
        ],
    )
    response = client.post(new_question_url(bank, "multiple"), data)
    assert response.status_code == 400
    assert response.context["editor"].part_errors == [
        "The right options' credit must add up to 100%."
    ]
    html = html_of(response)
    assert 'value="50"' in html and 'value="30"' in html and 'value="-100"' in html
    assert Question.objects.count() == 0


def test_multiple_response_needs_a_right_answer(client, admin, bank):
    client.force_login(admin)
    data = question_post("options", [{"text": "Name the feeling"}, {"text": "Say sorry"}])
    response = client.post(new_question_url(bank, "multiple"), data)
    assert response.status_code == 400
    assert response.context["editor"].part_errors == ["Tick at least one right answer."]
    assert '<a href="#part">Options</a>' in html_of(response)  # the summary links to the part


def test_a_ticked_option_with_no_credit_is_an_error_on_that_credit(client, admin, bank):
    client.force_login(admin)
    data = question_post(
        "options",
        [
            {"text": "Name the feeling", "correct": "on", "credit": "0"},
            {"text": "Say sorry", "credit": "100"},
        ],
    )
    response = client.post(new_question_url(bank, "multiple"), data)
    assert response.status_code == 400
    assert "credit" in response.context["rows"].forms[0].errors
    assert 'id="id_options-0-credit_error"' in html_of(response)


def test_missing_title_and_half_filled_rows_are_marked_on_their_fields(client, admin, bank):
    client.force_login(admin)
    data = question_post(
        "pairs",
        [
            {"prompt": "Where is my order?!", "answer": "Angry"},
            {"prompt": "Will it arrive in time?"},
            {"answer": "Delighted"},
        ],
        title="",
    )
    response = client.post(new_question_url(bank, "matching"), data)
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"title"}
    forms = response.context["rows"].forms
    assert list(forms[1].errors) == ["answer"] and list(forms[2].errors) == ["prompt"]
    html = html_of(response)
    assert "Will it arrive in time?</textarea>" in html and 'value="Delighted"' in html
    assert MatchPair.objects.count() == 0


def test_an_option_with_feedback_but_no_text_is_pointed_out(client, admin, bank):
    client.force_login(admin)
    data = question_post(
        "options",
        [{"text": "Breathe", "correct": "on"}, {"text": "Shout"}, {"feedback": "Orphan feedback"}],
    )
    response = client.post(new_question_url(bank, "single"), data)
    assert response.status_code == 400
    assert list(response.context["rows"].forms[2].errors) == ["text"]
    assert "Orphan feedback</textarea>" in html_of(response)


def test_more_rows_keeps_what_was_typed_and_saves_nothing(client, admin, bank):
    client.force_login(admin)
    items = [{"text": f"Step {i}"} for i in range(6)]
    response = client.post(
        new_question_url(bank, "ordering"), question_post("items", items, more_rows="1", title="")
    )
    assert response.status_code == 200
    assert not response.context["form"].errors  # asking for room is not a save
    assert len(response.context["rows"].forms) == 9
    assert "Step 5</textarea>" in html_of(response)
    assert Question.objects.count() == 0


# --- Questions: editing -----------------------------------------------------------------------


def test_edit_form_shows_the_stored_question_and_saving_it_unchanged_keeps_it(client, admin, bank):
    question = question_services.question_create(bank=bank, data=builders.multiple())
    client.force_login(admin)
    page = client.get(reverse("author_question", args=[question.pk]))
    assert page.status_code == 200
    assert "version-note" not in html_of(page)
    filled = [
        {n: r[n].value() for n in r.fields} for r in page.context["rows"].forms if r["text"].value()
    ]
    assert filled == [
        {"text": "That sounds frustrating", "correct": True, "credit": D(50), "feedback": ""},
        {"text": "I can see why you're upset", "correct": True, "credit": D(50), "feedback": ""},
        {
            "text": "Calm down",
            "correct": False,
            "credit": D(-50),
            "feedback": "Telling people to calm down rarely works.",
        },
    ]
    data = question_post(
        "options",
        [
            {
                "text": r["text"],
                "correct": "on" if r["correct"] else "",
                "credit": str(r["credit"]),
                "feedback": r["feedback"],
            }
            for r in filled
        ],
        title="Good signs",
        prompt="Which of these acknowledge a feeling?",
        explanation="",
        points="2",
    )
    before = question_services.question_input_from(question.current)
    response = client.post(reverse("author_question", args=[question.pk]), data)
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.current.number == 1  # never answered: replaced in place
    assert question_services.question_input_from(question.current) == before


def test_editing_an_answered_question_makes_a_new_version(client, admin, learner, course):
    quiz = builders.build_quiz(course, questions=[builders.single()])
    question = Question.objects.get()
    attempt = attempts.attempt_start(quiz=quiz, user=learner)
    item = attempt.items.get()
    right = next(c.pk for c in item.version.choices.all() if c.fraction == 1)
    attempts.answer_save(attempt=attempt, item=item, answer={"choice": right}, confidence=3)
    attempts.attempt_submit(attempt=attempt)

    client.force_login(admin)
    page = client.get(reverse("author_question", args=[question.pk]))
    assert (
        "People have answered this question. Saving makes version 2; past results keep version 1."
        in html_of(page)
    )
    data = question_post(
        "options",
        [
            {"text": "Take a slow breath", "correct": "on"},
            {"text": "Shout back"},
            {"text": "Hang up"},
        ],
    )
    response = client.post(reverse("author_question", args=[question.pk]), data)
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.current.number == 2
    assert [c.text for c in question.current.choices.all()][-1] == "Hang up"
    item.refresh_from_db()
    assert item.version.number == 1 and item.version.choices.count() == 3
    assert QuestionVersion.objects.filter(question=question).count() == 2


def test_preview_shows_the_question_as_learners_see_it_without_answers(client, admin, learner):
    client.force_login(admin)
    data = question_post(
        "options",
        [
            {"text": "Breathe", "correct": "on", "feedback": "SECRET-FEEDBACK"},
            {"text": "Shout back"},
        ],
        prompt="**Bold** <script>alert(1)</script>",
        kind="single",
    )
    response = client.post(reverse("author_question_preview"), data, HTTP_HX_REQUEST="true")
    html = html_of(response)
    assert response.status_code == 200
    assert "<strong>Bold</strong>" in html and "<script" not in html
    assert 'type="radio" name="preview-choice" value="0"> Breathe' in html
    assert "SECRET-FEEDBACK" not in html and "correct" not in html
    client.force_login(learner)
    assert client.post(reverse("author_question_preview"), data).status_code == 404


def test_question_editor_shows_the_preview_and_wires_it_to_the_form(client, admin, bank):
    question = question_services.question_create(bank=bank, data=builders.matching())
    client.force_login(admin)
    html = html_of(client.get(reverse("author_question", args=[question.pk])))
    assert f'hx-post="{reverse("author_question_preview")}"' in html
    assert 'id="preview-match-0"' in html and '<option value="0">' in html


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
    assert (quiz.shuffle_questions, quiz.shuffle_choices, quiz.required) == (True, False, True)
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
    services.slot_add_draw(quiz=quiz, bank=bank, count=2)
    services.slot_add_question(quiz=quiz, question=first)
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

    client.post(add_question, {"fixed-question": str(first.pk)})
    client.post(add_draw, {"draw-bank": str(bank.pk), "draw-count": "2"})
    client.post(add_question, {"fixed-question": str(second.pk)})
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
    # The question already in the quiz is not offered again.
    offered = (
        html_of(client.get(reverse("author_quiz", args=[quiz.pk])))
        .split('name="fixed-question"')[1]
        .split("</select>")[0]
    )
    assert f'value="{third.pk}"' in offered and f'value="{first.pk}"' not in offered

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
    services.slot_add_question(quiz=quiz, question=question)
    with pytest.raises(ValidationError) as caught:
        services.slot_add_question(quiz=quiz, question=question)
    assert "question" in caught.value.message_dict


def test_publishing_an_empty_quiz_is_refused_with_a_clear_message(client, admin, course, bank):
    quiz = make_quiz(course)
    client.force_login(admin)
    response = client.post(reverse("author_quiz_publish", args=[quiz.pk]), follow=True)
    assert "Add at least one question before publishing the quiz." in html_of(response)
    quiz.refresh_from_db()
    assert not quiz.is_published

    slot = services.slot_add_question(quiz=quiz, question=make_questions(bank, 1)[0])
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
    services.slot_add_question(quiz=quiz, question=fixed)
    other = question_services.bank_path_get_or_create(path=["Draws"])
    make_questions(other, 2)
    services.slot_add_draw(quiz=quiz, bank=other, count=1)
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
def test_bank_page_query_count_is_fixed(client, admin, bank, django_assert_num_queries, size):
    for i in range(size):
        question_services.bank_get_or_create(name=f"Sub {i}", parent=bank)
    make_questions(bank, size)
    client.force_login(admin)
    # session, user, bank tree (with counts), questions with their current version
    with django_assert_num_queries(4):
        assert client.get(reverse("author_bank", args=[bank.pk])).status_code == 200


@pytest.mark.parametrize("size", [1, 8])
def test_bank_list_query_count_is_fixed(client, admin, bank, django_assert_num_queries, size):
    for i in range(size):
        question_services.bank_get_or_create(name=f"Sub {i}", parent=bank)
    client.force_login(admin)
    with django_assert_num_queries(3):  # session, user, bank tree
        assert client.get(reverse("author_banks")).status_code == 200


@pytest.mark.parametrize("size", [1, 8])
def test_quiz_editor_query_count_is_fixed(
    client, admin, course, bank, django_assert_num_queries, size
):
    questions = make_questions(bank, size * 2)
    quiz = make_quiz(course)
    for question in questions[:size]:
        services.slot_add_question(quiz=quiz, question=question)
    services.slot_add_draw(quiz=quiz, bank=bank, count=size)
    client.force_login(admin)
    # session, user, quiz with course, draft version, live version's modules, slots, bank tree,
    # questions to pick from
    with django_assert_num_queries(8):
        assert client.get(reverse("author_quiz", args=[quiz.pk])).status_code == 200


@pytest.mark.parametrize("size", [1, 8])
def test_quiz_list_query_count_is_fixed(client, admin, course, django_assert_num_queries, size):
    for _ in range(size):
        make_quiz(course)
    client.force_login(admin)
    # session, user, course, draft version, modules, quizzes with their question totals
    with django_assert_num_queries(6):
        assert client.get(reverse("author_quizzes", args=[course.pk])).status_code == 200
