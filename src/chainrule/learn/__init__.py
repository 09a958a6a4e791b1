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
from . import gates, layers, network
from .checker import Case, Exercise, Mistake, Report, check_op
from .workspace import LearnError, check_folder, load_op, load_progress
from .workspace import start as _start
from .training import MODELS, TrainResult
from .training import train as _train

# in the order of the lessons (docs/learn.md): gates, then layers, whole networks, then the CNN's parts
EXERCISES = (gates.EXERCISES + (layers.AFFINE, layers.SOFTMAX_CROSS_ENTROPY) + network.EXERCISES
             + (layers.BATCH_NORM, layers.MAX_POOL, layers.CONV))


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


def train(folder, model="mlp", epochs=5, lr=0.1, batch_size=32, seed=0):
    """Train ``model`` ("mlp" or "cnn", see ``MODELS``) on the 8x8 digits with your ops from
    ``folder``, and with chainrule's from the same start; a ``TrainResult`` (print it)."""
    return _train(folder, {e.name: e for e in EXERCISES}, model, epochs, lr, batch_size, seed)


__all__ = ["Case", "EXERCISES", "Exercise", "LearnError", "MODELS", "Mistake", "Report", "TrainResult", "check",
           "check_op", "exercise", "load_op", "load_progress", "start", "train"]
