import pytest

from chainrule.explain import trace
from chainrule.explain.expression import ExpressionError, parse


def test_parse_and_evaluate_worked_example_three():
    expr = parse("(x + sigmoid(y)) / (sigmoid(x) + (x + y)**2)")
    assert expr.variables == ["x", "y"]
    f = expr.evaluate({"x": 3, "y": -4})
    tr = trace(f)
    assert f.item() == pytest.approx(1.5456448841, abs=1e-9)
    assert tr.gradients == pytest.approx({"x": 2.0595697956, "y": 1.5922327515}, abs=1e-9)


@pytest.mark.parametrize("text, values, expected", [
    ("-x ** 2 + 3", {"x": 2.0}, {"x": -4.0}),
    ("max(x, y) - min(x, y)", {"x": 1.0, "y": 4.0}, {"x": -1.0, "y": 1.0}),
    ("relu(x) + abs(y) + exp(0 * x)", {"x": -1.0, "y": -2.0}, {"x": 0.0, "y": -1.0}),
    ("log(x) * sqrt(y) + tanh(x - x)", {"x": 2.0, "y": 4.0}, {"x": 1.0, "y": 0.6931471805599453 / 4}),
    ("+x / 4", {"x": 1.0}, {"x": 0.25}),
    ("sin(x) * cos(y)", {"x": 0.5, "y": 2.0}, {"x": 0.8775825618903728 * -0.4161468365471424,
                                               "y": -(0.479425538604203 * 0.9092974268256817)}),
])
def test_operators_and_functions(text, values, expected):
    tr = trace(parse(text).evaluate(values))
    assert tr.gradients == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("text, message, column", [
    ("x.real", "attribute access", 2),
    ("y + x[0]", "subscripts", 6),
    ("foo(x)", "unknown function 'foo'", 1),
    ("__import__('os').system('ls')", "only calls of", 1),
    ("__import__('os')", "unknown function '__import__'", 1),
    ("import os", "syntax error", 1),
    ("lambda: x", "lambda", 1),
    ("[v for v in x]", "comprehensions", 1),
    ("(v for v in x)", "comprehensions", 1),
    ("x +", "unexpected end", 4),
    ("x + * y", "syntax error", 5),
    ("exp + 1", "exp is a function", 1),
    ("max(x)", "max takes 2 arguments", 1),
    ("exp(x=1)", "keyword arguments", 1),
    ("x % 2", "operator Mod", 1),
    ("x < y", "comparisons", 1),
    ("not x", "unary minus and plus", 1),
    ("'text'", "only numbers", 1),
    ("x if y else 1", "conditional", 1),
    ("(y := 2)", "assignments", 2),
    ("x(1)", "unknown function 'x'", 1),
    ("exp(x)(1)", "only calls of", 1),
])
def test_rejections_name_the_problem_and_column(text, message, column):
    with pytest.raises(ExpressionError, match=message) as info:
        parse(text)
    assert info.value.column == column
    assert "^" in str(info.value)


def test_unknown_name_at_evaluation_points_at_it():
    with pytest.raises(ExpressionError, match="no value for 'w'") as info:
        parse("x + w").evaluate({"x": 1})
    assert info.value.column == 5


def test_values_that_are_not_used_or_not_numbers():
    with pytest.raises(ValueError, match="'z' not used"):
        parse("x + 1").evaluate({"x": 1, "z": 2})
    with pytest.raises(ValueError, match="must be a number"):
        parse("x + 1").evaluate({"x": "a"})
    with pytest.raises(ValueError, match="no variables"):
        parse("2 + 3").evaluate({})


def test_huge_powers_do_not_hang():
    f = parse("x * 10 ** 10 ** 10").evaluate({"x": 1.0})
    assert f.item() == float("inf")


def test_overlong_or_multiline_expressions():
    with pytest.raises(ExpressionError, match="longer than"):
        parse("x + " * 200 + "x")
    with pytest.raises(ExpressionError, match="nested|syntax"):
        parse("(" * 240 + "x" + ")" * 240)
    with pytest.raises(ExpressionError, match="one line"):
        parse("x +\n y")
    assert parse("-" * 400 + "x").evaluate({"x": 2.0}).item() == 2.0


@pytest.mark.parametrize("text, column", [("x\r+ y", 2), ("x +\x00", 4), ("\x1b[31mx", 1)])
def test_control_characters_are_rejected(text, column):
    with pytest.raises(ExpressionError, match="control character") as info:
        parse(text)
    assert info.value.column == column


def test_columns_count_characters_not_bytes():
    with pytest.raises(ExpressionError, match="attribute access") as info:
        parse("αβ + x.real")
    assert info.value.column == 7
    with pytest.raises(ExpressionError, match="no value for 'γ'") as info:
        parse("αβ + γ").evaluate({"αβ": 1.0})
    assert info.value.column == 6


def test_integers_too_large_for_a_float_are_rejected():
    with pytest.raises(ExpressionError, match="number too large for a float64") as info:
        parse("x * 2" + "0" * 400)
    assert info.value.column == 5
    assert parse("x * 1" + "0" * 300).evaluate({"x": 1.0}).item() == 1e300


def test_python_warnings_about_rejected_text_do_not_escape(recwarn):
    with pytest.raises(ExpressionError, match="only numbers"):
        parse("x + '\\%'")
    assert not recwarn.list
