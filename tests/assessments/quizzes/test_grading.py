"""Grading properties: scores stay in [0, points], answer order never matters, and a full
correct answer always earns full points."""

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.quizzes import grading
from assessments.quizzes.grading import AcceptedSpec, ChoiceSpec, QuestionSpec

fractions = st.decimals(min_value=-1, max_value=1, places=2, allow_nan=False, allow_infinity=False)
points = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def choice_question(draw):
    kind = draw(st.sampled_from(["single", "truefalse", "multiple"]))
    n = draw(st.integers(min_value=2, max_value=6))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    if kind == "multiple":
        right = draw(st.integers(1, n))
        share = Decimal(1) / right
        fr = [share] * right + [draw(st.decimals(-1, 0, places=2)) for _ in range(n - right)]
    else:
        fr = [Decimal(1)] + [Decimal(0)] * (n - 1)
    order = draw(st.permutations(range(n)))
    choices = tuple(ChoiceSpec(id=ids[i], fraction=fr[i], position=i) for i in order)
    return QuestionSpec(kind=kind, points=draw(points), choices=choices)


@st.composite
def ordering_question(draw):
    n = draw(st.integers(2, 7))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    return QuestionSpec(
        kind="ordering",
        points=draw(points),
        choices=tuple(ChoiceSpec(id=i, fraction=Decimal(0), position=p) for p, i in enumerate(ids)),
    )


@st.composite
def matching_question(draw):
    ids = draw(st.lists(st.integers(1, 10_000), min_size=2, max_size=6, unique=True))
    return QuestionSpec(kind="matching", points=draw(points), pair_ids=tuple(ids))


def correct_answer(spec: QuestionSpec):
    if spec.kind in {"single", "truefalse"}:
        return {"choice": next(c.id for c in spec.choices if c.fraction == 1)}
    if spec.kind == "multiple":
        return {"choices": [c.id for c in spec.choices if c.fraction > 0]}
    if spec.kind == "ordering":
        return {"order": [c.id for c in sorted(spec.choices, key=lambda c: c.position)]}
    if spec.kind == "matching":
        return {"pairs": {str(i): i for i in spec.pair_ids}}
    raise AssertionError(spec.kind)


def any_answer(draw, spec: QuestionSpec):
    ids = [c.id for c in spec.choices]
    if spec.kind in {"single", "truefalse"}:
        return {"choice": draw(st.sampled_from(ids))}
    if spec.kind == "multiple":
        return {"choices": draw(st.lists(st.sampled_from(ids), unique=True))}
    if spec.kind == "ordering":
        return {"order": draw(st.permutations(ids))}
    picks = {str(i): draw(st.sampled_from(spec.pair_ids)) for i in spec.pair_ids}
    return {"pairs": picks}


questions = st.one_of(choice_question(), ordering_question(), matching_question())


@settings(max_examples=300)
@given(spec=questions, data=st.data())
def test_score_is_within_zero_and_points(spec, data):
    answer = any_answer(data.draw, spec)
    fraction, score = grading.score_for(spec, answer)
    assert Decimal(0) <= fraction <= Decimal(1)
    assert Decimal(0) <= score <= spec.points


@settings(max_examples=300)
@given(spec=questions)
def test_full_correct_answer_earns_full_points(spec):
    fraction, score = grading.score_for(spec, correct_answer(spec))
    assert fraction == 1
    assert score == spec.points.quantize(Decimal("0.01"))


@settings(max_examples=200)
@given(spec=choice_question(), data=st.data())
def test_order_of_selected_choices_never_changes_the_score(spec, data):
    ids = [c.id for c in spec.choices]
    chosen = data.draw(st.lists(st.sampled_from(ids), unique=True, min_size=1))
    shuffled = data.draw(st.permutations(chosen))
    if spec.kind == "multiple":
        assert grading.score_for(spec, {"choices": chosen}) == grading.score_for(
            spec, {"choices": list(shuffled)}
        )


@settings(max_examples=200)
@given(spec=matching_question(), data=st.data())
def test_order_of_matching_pairs_never_changes_the_score(spec, data):
    picks = [(str(i), data.draw(st.sampled_from(spec.pair_ids))) for i in spec.pair_ids]
    shuffled = data.draw(st.permutations(picks))
    assert grading.score_for(spec, {"pairs": dict(picks)}) == grading.score_for(
        spec, {"pairs": dict(shuffled)}
    )


@settings(max_examples=200)
@given(
    spec=questions,
    junk=st.one_of(
        st.none(),
        st.text(),
        st.integers(),
        st.lists(st.integers()),
        st.dictionaries(st.text(), st.integers()),
    ),
)
def test_junk_never_scores_and_never_raises(spec, junk):
    assert grading.score_for(spec, junk)[0] == 0


def test_short_answer_normalises_case_and_whitespace():
    spec = QuestionSpec(
        kind="short", points=Decimal(1), accepted=(AcceptedSpec("fight or flight", Decimal(1)),)
    )
    assert grading.fraction_for(spec, {"text": "  Fight   OR flight "}) == 1
    assert grading.fraction_for(spec, {"text": "flight"}) == 0
    assert grading.fraction_for(spec, {"text": ""}) == 0
    strict = QuestionSpec(
        kind="short",
        points=Decimal(1),
        case_sensitive=True,
        accepted=(AcceptedSpec("Gallup", Decimal(1)),),
    )
    assert grading.fraction_for(strict, {"text": "gallup"}) == 0
    assert grading.fraction_for(strict, {"text": " Gallup "}) == 1


def test_validate_answer_rejects_ids_from_elsewhere():
    spec = QuestionSpec(
        kind="single",
        points=Decimal(1),
        choices=(ChoiceSpec(1, Decimal(1)), ChoiceSpec(2, Decimal(0))),
    )
    for bad in [{"choice": 3}, {"choice": "1"}, {"choice": True}, [], {"choices": [1]}]:
        try:
            grading.validate_answer(spec, bad)
        except grading.InvalidAnswer:
            continue
        raise AssertionError(f"accepted {bad!r}")


@settings(max_examples=300)
@given(
    specs=st.lists(questions, min_size=1, max_size=12),
    data=st.data(),
)
def test_a_total_is_the_unrounded_parts_added_then_rounded_once(specs, data):
    parts = [(spec, grading.fraction_for(spec, any_answer(data.draw, spec))) for spec in specs]
    unrounded = sum((spec.points * fraction for spec, fraction in parts), Decimal(0))
    max_score = sum((spec.points for spec in specs), Decimal(0))
    total = grading.total_for(parts, max_score)
    assert total.score == unrounded.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert Decimal(0) <= total.score <= max_score
    assert total.percent == total.percent.to_integral_value()
    assert 0 <= total.percent <= 100
    if max_score:
        # The percent is the score shown, never more: it cannot claim a pass mark not reached.
        assert total.percent * max_score <= total.score * 100 < (total.percent + 1) * max_score


def test_thirds_of_points_add_up_to_whole_points():
    # Two of three pairs right, six times: each question shows 0.67, the total 4 (not 4.02).
    spec = QuestionSpec(kind="matching", points=Decimal(1), pair_ids=(1, 2, 3))
    two_of_three = {"pairs": {"1": 1, "2": 2, "3": 1}}
    fraction, shown = grading.score_for(spec, two_of_three)
    assert shown == Decimal("0.67")
    total = grading.total_for([(spec, fraction)] * 6 + [(spec, Decimal(0))] * 7, Decimal(13))
    assert total.score == Decimal("4.00")
    assert total.percent == 30  # 4 of 13 is 30.8 %: shown as 30, as the pass check reads it
