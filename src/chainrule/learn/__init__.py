"""Learn backpropagation by writing it: exercises that grade themselves.

Each exercise is an op whose ``forward`` is given and whose ``backward`` you write, from a gate
to a convolution. The checker runs your op on random and edge-case inputs and compares every
gradient with chainrule's own engine and with finite differences; when one is wrong it says
which gradient, which element, expected and got, and names the classic mistake it recognises.
The lessons are in docs/learn.md, the mathematics in docs/math.md.

    from chainrule import learn
    learn.start("my-backprop")             # the stubs, one file per exercise
    print(learn.check("my-backprop", "multiply"))
    learn.check_op(learn.exercise("multiply"), MyMultiply)   # a class of your own

From the shell: ``chainrule learn list | start DIR | check [NAME] | train``.
"""
from . import gates, layers
from .checker import Case, Exercise, Mistake, Report, check_op
from .workspace import LearnError, check_folder, load_op, load_progress
from .workspace import start as _start

EXERCISES = gates.EXERCISES + layers.EXERCISES


def exercise(name):
    """The exercise called ``name``."""
    for candidate in EXERCISES:
        if candidate.name == name:
            return candidate
    raise LearnError(f"no exercise called {name!r}; the exercises are: {', '.join(e.name for e in EXERCISES)}")


def start(folder):
    """Write every exercise's stub into ``folder`` (existing files are kept); returns the new files."""
    return _start(folder, EXERCISES)


def check(folder, name=None):
    """Check exercise ``name`` (or every exercise) from ``folder``; a Report, or a list of them."""
    if name is not None:
        return check_folder(folder, [exercise(name)])[0]
    return check_folder(folder, EXERCISES)


__all__ = ["Case", "EXERCISES", "Exercise", "LearnError", "Mistake", "Report", "check", "check_op",
           "exercise", "load_op", "load_progress", "start"]
