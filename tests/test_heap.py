"""chainrule.heap: freed memory kept for the next step, so a training loop does not page-fault."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chainrule import heap

MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"


def run_steps(script, **env):
    """What ``script`` prints, run in a fresh process (one BLAS thread) with ``env`` added."""
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(sys.path), **env)
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          check=True).stdout

STEPS = """
import resource, chainrule as cr, chainrule.nn.functional as F
from chainrule import models
from chainrule.data import MNIST, DataLoader
cr.manual_seed(0)
model = models.lenet5()
optimizer = cr.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
loader = DataLoader(MNIST({root!r}, train=True), batch_size=64, shuffle=True)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for step, (x, y) in zip(range(100), loader):
    optimizer.zero_grad(); F.cross_entropy(model(x), y).backward(); optimizer.step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


W1_STEPS = """
import resource, numpy as np, chainrule as cr, chainrule.nn.functional as F
from chainrule import heap, models, optim
from chainrule.optim import optimizer
cr.manual_seed(0)
model = models.nielsen((784, 30, 10)).double()
sgd = optim.SGD(model.parameters(), lr=3.0)
rng = np.random.default_rng(0)
x, y = rng.random((10, 784)), np.eye(10)[rng.integers(0, 10, 10)]
def steps(count):
    for _ in range(count):
        sgd.zero_grad(); F.quadratic_cost(model(cr.from_numpy(x)), y).backward(); sgd.step()
steps(50)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
steps(500)
print(heap.kept, optimizer.UNBLOCKED_UP_TO, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not heap._glibc(), reason="the thresholds are glibc's")
@pytest.mark.parametrize("keep", ["1", "0"])
def test_sgd_steps_of_a_784x30_weight_do_not_page_fault_with_or_without_the_thresholds(keep):
    """With the thresholds, SGD allocates a weight-sized temporary (faster than the scratch
    array); without them it must go through the scratch array: a fresh temporary made glibc
    trim and regrow its heap, 59 page faults a step."""
    kept, unblocked_up_to, faults = run_steps(W1_STEPS, **{heap.VARIABLE: keep}).split()
    assert (kept, unblocked_up_to) == (("True", str(1 << 18)) if keep == "1" else ("False", str(1 << 12)))
    assert int(faults) < 50, faults  # fewer than one per 10 steps


def test_the_environment_can_keep_glibcs_defaults(monkeypatch):
    monkeypatch.delenv(heap.VARIABLE, raising=False)
    assert heap.wanted() is True
    monkeypatch.setenv(heap.VARIABLE, "0")
    assert heap.wanted() is False
    monkeypatch.setenv(heap.VARIABLE, "yes")
    with pytest.raises(ValueError, match="CHAINRULE_KEEP_FREED_MEMORY must be 1 .* or 0, got 'yes'"):
        heap.wanted()


@pytest.mark.skipif(not heap._glibc(), reason="the thresholds are glibc's")
@pytest.mark.skipif(not (MNIST / "train-images-idx3-ubyte.gz").exists(), reason="needs MNIST")
def test_lenet5_steps_do_not_page_fault_their_arrays_in_again():
    def faults(**env):
        return int(run_steps(STEPS.format(root=str(MNIST)), **env))

    assert heap.keep_freed_memory() is True
    kept = faults()
    # glibc's defaults with fixed thresholds (MALLOC_TOP_PAD_ fixes them): the heap is trimmed
    # at every free, as in `chainrule train`'s slow epochs (1.1 million faults, 1,170 a step)
    trimmed = faults(CHAINRULE_KEEP_FREED_MEMORY="0", MALLOC_TOP_PAD_="1")
    assert kept < 5_000 < 100_000 < trimmed, (kept, trimmed)
