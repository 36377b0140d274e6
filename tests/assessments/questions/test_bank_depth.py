"""Deep trees of question banks: a file can't nest categories deeper than the import allows,
and a tree already deeper than that (built directly) still lists, opens and exports, in a fixed
number of queries."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from assessments.models import Question, QuestionBank
from assessments.questions.interchange import InterchangeError, bank_export, questions_import
from assessments.questions.interchange.common import MAX_CATEGORY_DEPTH
from assessments.questions.selectors import LIST_LEVELS_SHOWN
from assessments.questions.services import question_create
from tests.assessments import builders

pytestmark = pytest.mark.django_db


def _chain(depth: int, top: str = "Deep") -> list[QuestionBank]:
    """`depth` banks, each inside the one before: Deep › L1 › L2 › …"""
    banks = [QuestionBank.objects.create(name=top)]
    for level in range(1, depth):
        banks.append(QuestionBank.objects.create(name=f"L{level}", parent=banks[-1]))
    return banks


def _moodle_category_file(levels: int) -> bytes:
    path = "/".join(["$course$", "top", *(f"c{n}" for n in range(1, levels + 1))])
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<quiz>\n"
        '  <question type="category">\n'
        f"    <category><text>{path}</text></category>\n"
        "  </question>\n"
        '  <question type="truefalse">\n'
        "    <name><text>Deep thought</text></name>\n"
        '    <questiontext format="html"><text>Calm is contagious.</text></questiontext>\n'
        '    <answer fraction="100"><text>true</text></answer>\n'
        '    <answer fraction="0"><text>false</text></answer>\n'
        "  </question>\n"
        "</quiz>\n"
    ).encode()


# --- Import ----------------------------------------------------------------------------------


def test_an_80_level_moodle_category_is_refused_on_its_line_and_nothing_is_made():
    with pytest.raises(InterchangeError) as caught:
        questions_import(
            content=_moodle_category_file(80), filename="deep.xml", bank_path=["Training"]
        )

    [problem] = caught.value.problems
    assert problem.line == 3
    assert problem.message.startswith('the category "c1/c2/c3/…" is 80 levels deep')
    assert f"at most {MAX_CATEGORY_DEPTH} levels" in problem.message
    assert not QuestionBank.objects.exists() and not Question.objects.exists()


def test_a_deep_gift_category_is_refused_on_its_line():
    gift = "::Fine::Calm is contagious {T}\n\n$CATEGORY: " + "/".join("abcdefghijkl") + "\n\n"
    gift += "::Deep::Breathing helps {T}\n"

    with pytest.raises(InterchangeError) as caught:
        questions_import(content=gift.encode(), filename="deep.gift", bank_path=["Training"])

    [problem] = caught.value.problems
    assert str(problem).startswith('deep.gift:3: the category "a/b/c/…" is 12 levels deep')
    assert not QuestionBank.objects.exists()


def test_categories_exactly_at_the_limit_import():
    report = questions_import(
        content=_moodle_category_file(MAX_CATEGORY_DEPTH),
        filename="deep.xml",
        bank_path=["Training"],
    )

    assert report.imported == 1
    deepest = Question.objects.get().bank
    assert deepest.name == f"c{MAX_CATEGORY_DEPTH}"
    assert QuestionBank.objects.count() == MAX_CATEGORY_DEPTH + 1


def test_a_bank_path_deeper_than_the_limit_is_refused():
    with pytest.raises(InterchangeError) as caught:
        questions_import(
            content=b"::Q::Calm is contagious {T}\n",
            filename="q.gift",
            bank_path=[f"b{n}" for n in range(MAX_CATEGORY_DEPTH + 1)],
        )

    assert "11 levels deep" in caught.value.problems[0].message
    assert not QuestionBank.objects.exists()


# --- Pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [80, 2000])
def test_the_bank_list_renders_a_deep_tree_nested_a_bounded_number_of_levels(client, admin, depth):
    banks = _chain(depth)
    question_create(bank=banks[-1], data=builders.truefalse())
    client.force_login(admin)

    response = client.get(reverse("author_banks"))

    assert response.status_code == 200
    html = response.content.decode()
    new_bank_form = html.index(f'action="{reverse("author_bank_new")}"')
    tree = html[html.index('<ul class="bank-tree">') : new_bank_form]
    for bank in banks:
        assert f'href="{reverse("author_bank", args=[bank.pk])}"' in tree
    # Lists nest at most LIST_LEVELS_SHOWN deep, and every one that opens closes.
    depth_now = deepest = 0
    for tag in re.findall(r"<(/?)ul\b", tree):
        depth_now += -1 if tag else 1
        deepest = max(deepest, depth_now)
    assert depth_now == 0
    assert deepest == LIST_LEVELS_SHOWN
    assert tree.count("<li>") == tree.count("</li>") == depth
    # A bank listed shallower than it is says which bank it sits in.
    assert f"inside “L{depth - 2}”" in tree and "1 question" in tree
    # The "Inside" choice of the new-bank form names deep banks by a short path.
    assert f"Deep › … › L{depth - 2} › L{depth - 1}" in html


def test_a_bank_deep_in_the_tree_opens_with_its_banks_inside(client, admin):
    banks = _chain(2000)
    client.force_login(admin)

    response = client.get(reverse("author_bank", args=[banks[1000].pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{reverse("author_bank", args=[banks[1999].pk])}"' in html
    assert response.context["ancestors"] == banks[:1000]


@pytest.mark.parametrize("depth", [1, 2000])
def test_bank_list_query_count_does_not_grow_with_depth(
    client, admin, depth, django_assert_num_queries
):
    _chain(depth)
    client.force_login(admin)

    with django_assert_num_queries(3):  # session, user, bank tree
        assert client.get(reverse("author_banks")).status_code == 200


# --- Export ----------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [2, 2000])
def test_a_deep_tree_exports_in_a_fixed_number_of_queries(depth, django_assert_num_queries):
    banks = _chain(depth)
    question_create(bank=banks[0], data=builders.truefalse("At the top"))
    question_create(bank=banks[-1], data=builders.truefalse("At the bottom"))

    # banks, questions, choices, pairs, accepted answers (no images to look up)
    with django_assert_num_queries(5):
        xml = bank_export(bank=banks[0]).decode()

    categories = re.findall(r"<text>(\$course\$[^<]*)</text>", xml)
    # The banks in between are implied by the deepest bank's path; importing it makes them.
    assert categories == [
        "$course$/top",
        "/".join(["$course$", "top", *(bank.name for bank in banks[1:])]),
    ]
    assert xml.index("At the top") < xml.index(categories[1]) < xml.index("At the bottom")


def test_empty_banks_in_between_come_back_on_import():
    banks = _chain(4)
    question_create(bank=banks[-1], data=builders.truefalse("At the bottom"))
    xml = bank_export(bank=banks[0])
    QuestionBank.objects.filter(pk__in=[b.pk for b in banks[1:]]).update(name="old")
    Question.objects.all().delete()
    for bank in reversed(banks):
        bank.delete()

    questions_import(content=xml, filename="deep.xml", bank_path=["Deep"])

    bottom = Question.objects.get().bank
    assert [bottom.parent.parent.parent.name, bottom.parent.parent.name, bottom.parent.name] == [
        "Deep",
        "L1",
        "L2",
    ]


def test_the_import_page_lists_a_deep_tree_by_short_paths(client, admin):
    banks = _chain(2000)
    client.force_login(admin)

    response = client.get(reverse("question_import"), {"bank": banks[3].pk})

    assert response.status_code == 200
    # Every bank is offered for export by a path of a few names, not two thousand.
    assert len(response.content) < 1_000_000
    assert "Deep › … › L1998 › L1999</option>" in response.content.decode()
    assert response.context["form"].initial == {"bank": "Deep/L1/L2/L3"}
