"""How far float32 rounding, grown by training, moves one program's losses: the evidence behind
``coupled_steps`` and the ``drifts`` mode (test_programs.py's docstring).

    python tests/pytorch_programs/coupling.py NAME [STEPS]

prints, per window of 30 losses, the largest relative difference of: chainrule against PyTorch
(float32, as the tests run them); PyTorch against itself from the same weights moved 1 ulp each
(two draws); and chainrule against PyTorch in float64. Rounding chaos: the float64 runs agree
far more closely than the float32 ones; a real difference shows in float64 too.
"""
import sys
import tempfile
from pathlib import Path

import numpy as np

from test_programs import MANIFEST, program_text, run, workdir


def windows(reference, other, size=30):
    rel = np.abs(np.array(other["losses"]) - reference) / np.abs(reference)
    return " ".join(f"{rel[i:i + size].max():.1e}" for i in range(0, len(rel), size))


def main(name, steps=None):
    entry = next(e for e in MANIFEST if e["name"] == name)
    entry = dict(entry, steps=int(steps or entry["steps"]))
    with tempfile.TemporaryDirectory() as folder:
        cwd = workdir(entry, Path(folder))
        program = program_text(entry)
        torch32 = run(entry, "torch", program, cwd)
        reference = np.array(torch32["losses"])
        print(f"{name}, {len(reference)} losses, largest relative difference per 30:")
        print("chainrule, float32:          ", windows(reference, run(entry, "chainrule", program, cwd)))
        for seed in (1, 2):
            print(f"PyTorch 1 ulp apart (draw {seed}):", windows(reference, run(entry, "torch", program, cwd, tag=f"p{seed}", perturb=seed)))
        torch64 = run(entry, "torch", program, cwd, tag="torch64", dtype="float64")
        chainrule64 = run(entry, "chainrule", program, cwd, tag="chainrule64", dtype="float64")
        print("chainrule, float64:          ", windows(np.array(torch64["losses"]), chainrule64))


if __name__ == "__main__":
    main(*sys.argv[1:])
