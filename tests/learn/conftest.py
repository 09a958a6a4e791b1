"""A fixture that writes a learner's file with a given backward body and loads its op the way
``chainrule learn check`` does."""
import pytest

from chainrule import learn

from .answers import SOLUTIONS, with_body


@pytest.fixture
def learner_op(tmp_path):
    """make(name, body=None, replace=None): the learner's op class, written into a folder with
    ``body`` as its backward (the reference answer by default; ``replace=(old, new)`` plants a
    bug in the reference answer)."""
    def make(name, body=None, replace=None):
        exercise = learn.exercise(name)
        body = SOLUTIONS[name] if body is None else body
        if replace is not None:
            assert replace[0] in body, f"planted bug: {replace[0]!r} not in the answer to {name}"
            body = body.replace(*replace)
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        (folder / exercise.file_name).write_text(with_body(exercise.stub, body), encoding="utf-8")
        return learn.load_op(folder, exercise)
    return make
