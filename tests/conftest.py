"""Shared fixtures for the whole test suite."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr

REPO_ROOT = Path(__file__).resolve().parents[1]
PARITY_TOLERANCES = {np.dtype(np.float64): dict(rtol=1e-10, atol=1e-12),
                     np.dtype(np.float32): dict(rtol=2e-4, atol=2e-5)}


@pytest.fixture(scope="session")
def mnist_dir():
    """The real MNIST files (gzipped IDX) in ``../shared/data/mnist`` beside the repo; skip without."""
    path = REPO_ROOT.parent / "shared" / "data" / "mnist"
    if not (path / "t10k-labels-idx1-ubyte.gz").is_file():
        pytest.skip(f"real MNIST not found in {path}")
    return path


@pytest.fixture(scope="session")
def mnist_home(tmp_path_factory):
    """A ``CHAINRULE_HOME`` whose data cache holds the real MNIST (a link to ``../shared``'s
    files) when it is there, else nothing: code that looks in the cache finds what a user's
    ``MNIST(download=True)`` would have put there."""
    home = tmp_path_factory.mktemp("chainrule-home")
    path = REPO_ROOT.parent / "shared" / "data" / "mnist"
    if (path / "t10k-labels-idx1-ubyte.gz").is_file():
        (home / "datasets").mkdir()
        (home / "datasets" / "mnist").symlink_to(path.resolve(), target_is_directory=True)
    return home


@pytest.fixture(scope="session")
def subprocess_env():
    """The environment for running chainrule in a child process: this checkout's ``src``
    first on PYTHONPATH (chainrule need not be installed)."""
    source_dir = str(Path(cr.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [source_dir, os.environ.get("PYTHONPATH")]))}


@pytest.fixture
def peak_mib_prelude():
    """Python source defining ``peak_mib()``: this process's peak resident memory in MiB
    (``VmHWM``, which starts afresh at exec; ``ru_maxrss`` would carry over the forking
    parent's peak). Prepend it to the code of a child process that measures memory."""
    if not os.path.exists("/proc/self/status"):
        pytest.skip("needs Linux's /proc/self/status")
    return ("def peak_mib():\n"
            "    with open('/proc/self/status') as status:\n"
            "        return next(int(line.split()[1]) // 1024 for line in status if line.startswith('VmHWM:'))\n")


@pytest.fixture
def run_atheris(tmp_path, subprocess_env):
    """``run(harness, seeds, runs, max_len)``: run the atheris harness script ``harness`` for
    ``runs`` inputs of at most ``max_len`` bytes, starting from the corpus ``seeds`` (bytes),
    and assert that it finished without a crash (an exception escaping the harness)."""
    pytest.importorskip("atheris")

    def run(harness, seeds, runs, max_len):
        corpus = tmp_path / "corpus"
        corpus.mkdir()
        for index, seed in enumerate(seeds):
            (corpus / f"seed{index}").write_bytes(seed)
        result = subprocess.run(
            [sys.executable, str(harness), f"-atheris_runs={runs}", f"-max_len={max_len}", str(corpus)],
            capture_output=True, text=True, timeout=300, env=subprocess_env, cwd=tmp_path,  # crash files go there
        )
        uncaught = result.stderr.find("Uncaught Python exception")  # atheris's traceback of a crash
        assert result.returncode == 0, result.stderr[uncaught:][:3000] if uncaught >= 0 else result.stderr[-3000:]
        assert f"Done {runs} " in result.stderr

    return run


@pytest.fixture
def check_torch_parity():
    """``check(fn, torch_fn, arrays, dtype=None)``: run ``fn`` on chainrule
    tensors and ``torch_fn`` on torch tensors made from the same arrays (float arrays cast to
    ``dtype`` if given; integer arrays, such as class indices, stay as they are and get no
    gradient), backpropagate one random upstream gradient through both, and compare the
    outputs and the gradients of every float input, values (to ``PARITY_TOLERANCES`` of the
    output's dtype) and dtypes. Skips the test without PyTorch."""
    torch = pytest.importorskip("torch")

    def check(fn, torch_fn, arrays, dtype=None):
        arrays = [np.asarray(a) for a in arrays]
        if dtype is not None:
            arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
        leaves = [cr.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
        torch_leaves = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
        out, expected = fn(*leaves), torch_fn(*torch_leaves)
        expected_data = expected.detach().numpy()
        assert out.dtype == expected_data.dtype
        tol = PARITY_TOLERANCES[out.dtype]
        np.testing.assert_allclose(out.data, expected_data, **tol)
        grad = np.random.default_rng(1).standard_normal(out.shape).astype(out.dtype)
        out.backward(grad)
        expected.backward(torch.from_numpy(grad))
        for i, (leaf, torch_leaf) in enumerate(zip(leaves, torch_leaves)):
            if torch_leaf.requires_grad:
                assert leaf.grad.dtype == leaf.dtype, f"input {i}"
                np.testing.assert_allclose(leaf.grad, torch_leaf.grad.numpy(), **tol, err_msg=f"input {i}")
        return out

    return check


@pytest.fixture
def no_hang():
    """Fail instead of hanging: whatever blocks (an open of a named pipe) is interrupted after 10 s."""
    def interrupt(signum, frame):
        raise TimeoutError("blocked for 10 s: the pipe was waited on")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


HOSTILE_SCALE = int(os.environ.get("CHAINRULE_HOSTILE_SCALE", "1"))  # a larger campaign: e.g. 50
HOSTILE_SEED = int(os.environ.get("CHAINRULE_HOSTILE_SEED", "18"))
HOSTILE_BATCH_TIMEOUT = 600  # seconds for one batch (a hang inside a case is caught after seconds)


def _tree(top, leave_out=None):
    """``{path: (size, mtime)}`` of everything under ``top`` (links not followed), less ``leave_out``."""
    found = {}
    for directory, folders, files in os.walk(top):
        folders[:] = [name for name in folders if os.path.join(directory, name) != str(leave_out)]
        for name in folders + files:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            found[path] = (info.st_size, info.st_mtime_ns)
    return found


@pytest.fixture
def hostile_campaign(tmp_path, subprocess_env):
    """``run(script, arguments, cases, batch)``: run a hostile-input driver (tests/io/hostile_files.py,
    tests/train/hostile_runs.py) on cases 0 .. ``cases * HOSTILE_SCALE``-1 of seed ``HOSTILE_SEED``, ``batch`` cases
    per process and two processes at a time, each with its own working folder under ``tmp_path`` as
    its current directory, and HOME, CHAINRULE_HOME and MPLCONFIGDIR under ``tmp_path`` too; return
    the batches' reports (``{"cases", "failures", "peak_mib"}``). Fails if a batch does not finish
    within ``HOSTILE_BATCH_TIMEOUT``, if anything beside ``tmp_path`` or in the current directory
    changed, or if anything was written into the homes."""
    homes = {name: tmp_path / name for name in ("HOME", "CHAINRULE_HOME", "MPLCONFIGDIR")}
    for home in homes.values():
        home.mkdir()
    env = {**subprocess_env, **{name: str(home) for name, home in homes.items()}, "XDG_CACHE_HOME": str(homes["HOME"])}

    def run(script, arguments, cases, batch):
        cases *= HOSTILE_SCALE
        before = _tree(tmp_path.parent, leave_out=tmp_path), sorted(os.listdir())
        reports, pending = [], list(range(0, cases, batch))
        while pending:
            started = []
            for first in pending[:2]:
                work = tmp_path / f"work{first}"
                work.mkdir()
                started.append(subprocess.Popen(
                    [sys.executable, str(script), *map(str, arguments), str(HOSTILE_SEED), str(first),
                     str(min(batch, cases - first)), str(work)],
                    cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
            pending = pending[2:]
            for process in started:
                try:
                    stdout, stderr = process.communicate(timeout=HOSTILE_BATCH_TIMEOUT)
                except subprocess.TimeoutExpired:
                    for other in started:
                        other.kill()
                    pytest.fail(f"a batch of {script} ran for more than {HOSTILE_BATCH_TIMEOUT} s")
                assert process.returncode == 0, stderr[-3000:]
                reports.append(json.loads(stdout.splitlines()[-1]))
        assert (_tree(tmp_path.parent, leave_out=tmp_path), sorted(os.listdir())) == before
        for name, home in homes.items():
            if name != "MPLCONFIGDIR":  # matplotlib's font cache
                assert list(home.iterdir()) == [], f"written into {name}"
        assert sum(report["cases"] for report in reports) == cases
        return reports

    return run
