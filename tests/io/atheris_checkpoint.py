"""Coverage-guided fuzzing of the checkpoint loaders with atheris (run by
test_checkpoint_atheris.py).

    python tests/io/atheris_checkpoint.py -atheris_runs=20000

Each input is written to a scratch file and read with ``load_metadata``, ``chainrule.load`` and
``load_state``; any exception other than CheckpointError escapes and makes atheris report a crash.
"""
import os
import sys
import tempfile

import atheris
import numpy  # noqa: F401  (imported first so that only chainrule is instrumented)

with atheris.instrument_imports(include=["chainrule"]):
    from chainrule.io import CheckpointError, load, load_metadata, load_state

SCRATCH = os.path.join(tempfile.mkdtemp(prefix="atheris_checkpoint."), "input.safetensors")


def read_one(data):
    with open(SCRATCH, "wb") as file:
        file.write(data)
    for read in (load_metadata, load, load_state):
        try:
            read(SCRATCH)
        except CheckpointError:
            pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, read_one)
    atheris.Fuzz()
