"""Coverage-guided fuzzing of the expression parser with atheris (run by
test_expression_atheris.py).

    python tests/explain/atheris_expression.py -atheris_runs=20000

Text that parses is evaluated and traced as ``chainrule explain`` does. Any exception other
than ExpressionError (and the ValueError of an expression without variables) escapes and
makes atheris report a crash.
"""
import sys

import atheris
import numpy  # noqa: F401  (imported first so that only chainrule is instrumented)

with atheris.instrument_imports(include=["chainrule"]):
    from chainrule.explain import trace
    from chainrule.explain.expression import ExpressionError, parse


def explain_one(data):
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
    try:
        expression = parse(text)
        output = expression.evaluate({name: 1.5 for name in expression.variables})
    except ExpressionError:
        return
    except ValueError as exc:
        if "no variables" not in str(exc):
            raise
        return
    str(trace(output))


if __name__ == "__main__":
    atheris.Setup(sys.argv, explain_one)
    atheris.Fuzz()
