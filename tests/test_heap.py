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


def test_the_padding_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(heap.VARIABLE, raising=False)
    assert heap.top_pad_from_environment() == 64 << 20
    monkeypatch.setenv(heap.VARIABLE, "0")
    assert heap.top_pad_from_environment() == 0 and heap.keep_freed_memory(0) is False
    monkeypatch.setenv(heap.VARIABLE, "64MB")
    with pytest.raises(ValueError, match="CHAINRULE_MALLOC_TOP_PAD must be a number of bytes"):
        heap.top_pad_from_environment()


@pytest.mark.skipif(not heap._glibc(), reason="the padding is glibc's")
@pytest.mark.skipif(not (MNIST / "train-images-idx3-ubyte.gz").exists(), reason="needs MNIST")
def test_lenet5_steps_do_not_page_fault_their_arrays_in_again():
    def faults(pad):
        env = dict(os.environ, CHAINRULE_MALLOC_TOP_PAD=str(pad), OMP_NUM_THREADS="1",
                   PYTHONPATH=os.pathsep.join(sys.path))
        out = subprocess.run([sys.executable, "-c", STEPS.format(root=str(MNIST))], env=env,
                             capture_output=True, text=True, check=True)
        return int(out.stdout)

    assert heap.keep_freed_memory(64 << 20) is True
    with_padding = faults(64 << 20)
    # one byte of padding: glibc trims the heap at every free, as it did in `chainrule train`'s
    # slow epochs (1.1 million faults an epoch, 1,170 a step)
    trimmed = faults(1)
    assert with_padding < 2_000 < 100_000 < trimmed, (with_padding, trimmed)
