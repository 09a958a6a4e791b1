"""chainrule.heap: freed memory kept for the next step, so a training loop does not page-fault."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chainrule import heap

MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"

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
        env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(sys.path), **env)
        out = subprocess.run([sys.executable, "-c", STEPS.format(root=str(MNIST))], env=env,
                             capture_output=True, text=True, check=True)
        return int(out.stdout)

    assert heap.keep_freed_memory() is True
    kept = faults()
    # glibc's defaults with fixed thresholds (MALLOC_TOP_PAD_ fixes them): the heap is trimmed
    # at every free, as in `chainrule train`'s slow epochs (1.1 million faults, 1,170 a step)
    trimmed = faults(CHAINRULE_KEEP_FREED_MEMORY="0", MALLOC_TOP_PAD_="1")
    assert kept < 5_000 < 100_000 < trimmed, (kept, trimmed)
