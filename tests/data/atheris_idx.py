"""Coverage-guided fuzzing of the IDX reader with atheris (run by test_idx_atheris.py).

    python tests/data/atheris_idx.py -atheris_runs=20000

Any exception other than DataError escapes and makes atheris report a crash.
"""
import io
import sys

import atheris
import numpy  # noqa: F401  (imported first so that only chainrule is instrumented)

with atheris.instrument_imports(include=["chainrule"]):
    from chainrule.data import DataError, read_idx


def read_one(data):
    try:
        read_idx(io.BytesIO(data), max_bytes=1 << 20)
    except DataError:
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, read_one)
    atheris.Fuzz()
