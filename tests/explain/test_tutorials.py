"""Every tutorial in docs/tutorials runs to the end (each asserts its own numbers)."""
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TUTORIALS = REPO / "docs" / "tutorials"


@pytest.mark.parametrize("script, expected", [
    ("01_gates_and_circuits.py", ["df/dx = 2.0595697956", "df/dw = [-0.1966119332, -0.3932238665, 0.1966119332]"]),
    ("02_four_equations_mnist.py", ["BP3/BP4 vs autograd", "epoch 2: mean cost"]),
    ("03_f_adjoint.py", ["Y*^l equals Nielsen's delta^l"]),
    ("04_cnn_layer_by_layer.py", ["dx = full convolution of dy with w rotated 180 deg", "largest difference over 13 checks"]),
    ("05_vanishing_gradients.py", ["speed of learning", "last layer / first layer: sigmoid"]),
    ("06_patterns_in_gradient_flow.py", ["dx = -8, dy = 6, dz = 2, dw = 0", "data times 1000: dscore/dweights = [ 3000. -4000.  2000.]"]),
    ("07_why_backprop_is_fast.py", ["has 23,860 weights and biases", "finite differences: 23,861 forward passes",
                                    "1 forward + 1 backward pass"]),
    ("08_lee_network.py", ["input [1.0, -1.0]: [0.98 0.12]  ->  [0.86 0.11]  ->  [0.62 0.83]",
                           "input [0.0, 0.0]: [0.73 0.5 ]  ->  [0.72 0.12]  ->  [0.51 0.85]",
                           "the reverse network gives autograd's gradients"]),
    ("10_fadjoint_xor.py", ["J (sum) = 0.500549; the mean would be 0.125137 = J / 4",
                            "equals autograd's gradient of the summed cost", "the network computes XOR"]),
    ("09_sum_over_paths.py", ["as a sum over the 6 paths", "sum = 0.0008382629; autograd: 0.0008382629"]),
])
def test_tutorial_runs(script, expected, tmp_path, subprocess_env, mnist_home):
    env = {**subprocess_env, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg", "CHAINRULE_HOME": str(mnist_home)}
    done = subprocess.run([sys.executable, str(TUTORIALS / script), str(tmp_path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    for text in expected:
        assert text in done.stdout
    if script.startswith(("02", "04", "05")):  # they take MNIST from the data cache when it is there
        has_mnist = (mnist_home / "datasets" / "mnist").exists()
        assert ("real MNIST" in done.stdout) == has_mnist
    if script.startswith(("01", "05", "06")):
        assert any(tmp_path.iterdir())  # its diagrams / plots
