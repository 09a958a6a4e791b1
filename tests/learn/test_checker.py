"""The checker's own promises: its two oracles agree, the stubs are unsolved, the lessons exist."""
import re
from pathlib import Path

import numpy as np
import pytest

from chainrule import learn
from chainrule.learn.checker import engine_gradients, numeric_gradient

from . import test_gates, test_layers, test_network

REPO = Path(__file__).resolve().parents[2]
NAMES = [e.name for e in learn.EXERCISES]


@pytest.mark.parametrize("name", NAMES)
def test_the_engine_agrees_with_finite_differences_on_every_smooth_case(name):
    exercise = learn.exercise(name)
    rng = np.random.default_rng(1)
    for case in exercise.cases(np.random.default_rng(0)):
        if not case.smooth:
            continue
        upstream = rng.uniform(-2, 2, np.shape(np.asarray(exercise.reference(*map(learn.checker.Tensor, case.inputs)))))
        expected = engine_gradients(exercise, case, upstream)
        for position, input_name in enumerate(exercise.input_names):
            if input_name in exercise.needs_grad:
                numeric = numeric_gradient(exercise, case, upstream, position)
                np.testing.assert_allclose(expected[input_name], numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_an_untouched_stub_is_a_to_do(name, learner_op):
    exercise = learn.exercise(name)
    report = learn.check_op(exercise, learner_op(name, body='raise NotImplementedError("write it")'))
    assert not report.passed
    assert str(report) == f"{name} ({exercise.title}): to do: write backward in {name}.py"


@pytest.mark.parametrize("name", NAMES)
def test_the_stub_names_shapes_rule_and_lesson_but_not_the_answer(name):
    exercise = learn.exercise(name)
    stub = exercise.stub
    assert f"Lesson: {exercise.lesson}" in stub and f"chainrule learn check {name}" in stub
    backward = stub[stub.index("    def backward"):]
    assert "Returns (" in backward and "Rule" in backward
    body = backward.split('"""')[2]  # after the docstring: only the unpacking and the raise
    assert [line.strip().split(" ")[0] for line in body.strip().splitlines()][-1] == "raise"
    assert "return" not in body


def test_every_lesson_link_points_at_a_section_of_the_math_page():
    text = (REPO / "docs" / "math.md").read_text(encoding="utf-8")
    headings = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in re.findall(r"^#+ (.*)$", text, re.M)}
    for exercise in learn.EXERCISES:
        page, anchor = exercise.lesson.split("#")
        assert page == "docs/math.md" and anchor in headings, exercise.lesson


def test_an_unknown_exercise_lists_the_known_ones():
    with pytest.raises(learn.LearnError, match=r"no exercise called 'mul'; the exercises are: add, multiply, max"):
        learn.exercise("mul")


@pytest.mark.parametrize("name", NAMES)
def test_every_classic_mistake_of_every_exercise_is_caught_by_a_planted_bug(name):
    """Each hint an exercise can give is checked, in test_gates/layers/network, to fire on a real
    wrong answer written as a learner would write it."""
    planted = [words for exercise, _, words in test_gates.PLANTED + test_layers.PLANTED + test_network.PLANTED
               if exercise == name]
    assert planted, f"no planted bug for {name}"
    for mistake in learn.exercise(name).mistakes:
        assert any(word in mistake.hint for words in planted for word in words), mistake.hint
