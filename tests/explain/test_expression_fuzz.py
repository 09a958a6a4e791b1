"""Fuzz the expression parser behind ``chainrule explain``: whatever the text, ``parse`` returns
an Expression or raises ExpressionError, and evaluating and tracing what parses raises at most
ExpressionError or the ValueError for an expression without variables."""
import math
import re
import string

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainrule.explain import trace
from chainrule.explain.expression import FUNCTIONS, MAX_LENGTH, ExpressionError, parse

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = ["x", "y", "z", "w1", "α"]


def parse_evaluate_trace(text):
    """Run ``text`` as ``chainrule explain`` does: ``(trace, None)``, or ``(None, message)``
    for a clear error."""
    try:
        expression = parse(text)
    except ExpressionError as exc:
        assert 1 <= exc.column <= max(len(text.strip()), MAX_LENGTH) + 1
        return None, str(exc)
    assert all(name.isidentifier() for name in expression.variables)
    try:
        output = expression.evaluate({name: 1.5 for name in expression.variables})
    except ValueError as exc:
        assert "no variables" in str(exc)
        return None, str(exc)
    with np.errstate(all="ignore"):  # as in the CLI: overflow is allowed, it shows as inf
        result = trace(output)
        str(result)  # the CLI prints it
    assert set(result.gradients) == set(expression.variables)
    return result, None


# text made of the characters expressions are written with, and a few others
_ALPHABET = "abcxy" + string.digits + "+-*/%().,_ eE[]:'=<>!@λ\t\\\r\n\x00"


@FUZZ
@given(st.text(max_size=80))
def test_random_text(text):
    parse_evaluate_trace(text)


@FUZZ
@given(st.text(_ALPHABET, max_size=60))
def test_random_text_from_expression_characters(text):
    parse_evaluate_trace(text)


@FUZZ
@given(st.lists(st.sampled_from([*NAMES, *FUNCTIONS, "(", ")", ",", "+", "-", "*", "/", "**",
                                 "1", "2.5", "1e308", "0", "10", "**-", "lambda", ".", "[0]", "_"]),
                max_size=30))
def test_random_token_sequences(tokens):
    parse_evaluate_trace(" ".join(tokens))
    parse_evaluate_trace("".join(tokens))


def _expressions():
    """Well-formed expressions as text (with the occasional wrong number of arguments)."""
    leaves = st.one_of(
        st.sampled_from(NAMES),
        st.integers(0, 10 ** 400).map(str),
        st.floats(0, math.inf, allow_nan=False).map(repr),
    )

    def extend(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(["-", "+"]), inner).map(lambda t: f"{t[0]}{t[1]}"),
            st.tuples(st.sampled_from(list(FUNCTIONS)), st.lists(inner, min_size=1, max_size=3)).map(
                lambda t: f"{t[0]}({', '.join(t[1])})"),
        )

    return st.recursive(leaves, extend, max_leaves=25)


@FUZZ
@given(_expressions())
def test_generated_expressions(text):
    result, error = parse_evaluate_trace(text)
    if result is None:  # the only reasons a generated expression may be refused
        assert any(reason in error for reason in (
            "takes", "too large", "no variables", "longer than", "nested too deeply")), error


def test_a_well_formed_expression_is_accepted_and_differentiated():
    _, error = parse_evaluate_trace("max(x, y) * exp(-α) + sqrt(w1) / 1" + "0" * 400)
    assert error.startswith("number too large for a float64 (column 34)")  # characters, not bytes
    result, _ = parse_evaluate_trace("relu(x) * exp(-α) + sqrt(w1) / 1e308")
    assert result.gradients["x"] == pytest.approx(math.exp(-1.5))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_expressions(), st.text(_ALPHABET, max_size=40)))
def test_the_explain_command_prints_a_trace_or_one_error(text):
    click_testing = pytest.importorskip("click.testing")
    from chainrule.cli import build_cli

    values = [f"{name}=1.5" for name in NAMES if re.search(rf"(?<!\w){name}(?!\w)", text)]
    result = click_testing.CliRunner().invoke(build_cli(), ["explain", "--", text, "--set", *values],
                                              catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    if result.exit_code == 1:
        assert result.output.startswith("Error: ") and "Traceback" not in result.output
    else:
        assert "backward" in result.output
