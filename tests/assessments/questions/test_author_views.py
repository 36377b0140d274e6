"""Authoring question banks and questions in the browser (training admins only)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import (
    AcceptedAnswer,
    MatchPair,
    Question,
    QuestionBank,
    QuestionVersion,
)
from assessments.questions import services as question_services
from assessments.quizzes.services import attempts
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


def html_of(response) -> str:
    return response.content.decode()


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
    assert 'type="radio" name="preview-choice" value="0"> <span>Breathe</span>' in html
    assert "SECRET-FEEDBACK" not in html and "correct" not in html
    client.force_login(learner)
    assert client.post(reverse("author_question_preview"), data).status_code == 404


@pytest.mark.parametrize(
    "prompt",
    ["Which help? Choose all that apply.", "Which help? Pick ALL that  apply", "Which help?"],
)
def test_preview_says_choose_all_that_apply_once(client, admin, prompt):
    client.force_login(admin)
    data = question_post(
        "options",
        [{"text": "Listen", "correct": "on"}, {"text": "Nod", "correct": "on"}, {"text": "Leave"}],
        prompt=prompt,
        kind="multiple",
    )
    response = client.post(reverse("author_question_preview"), data, HTTP_HX_REQUEST="true")
    assert html_of(response).lower().count("all that") == 1


def test_question_editor_shows_the_preview_and_wires_it_to_the_form(client, admin, bank):
    question = question_services.question_create(bank=bank, data=builders.matching())
    client.force_login(admin)
    html = html_of(client.get(reverse("author_question", args=[question.pk])))
    assert f'hx-post="{reverse("author_question_preview")}"' in html
    # Matching as learners meet it: each answer in full, a radio under each prompt.
    assert 'name="preview-match-0" value="0"' in html and "<select" not in html


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


def test_the_import_page_links_to_help_authors_can_open(client, admin):
    client.force_login(admin)
    page = client.get(reverse("question_import")).content.decode()
    help_url = reverse("question_import_help")
    assert f'href="{help_url}"' in page
    assert "docs/question-import-formats.md" not in page  # a file authors can't open

    help_page = client.get(help_url)
    assert help_page.status_code == 200
    html = help_page.content.decode()
    for heading in ["Question types", "A GIFT file", "A Moodle XML file", "Pictures and sounds"]:
        assert heading in html
    assert "{=right ~wrong ~wrong}" in html
    assert "at most 10 levels deep" in html  # the real limit, not a copy of it
