"""Training throughput of chainrule next to PyTorch CPU eager, side by side in one run.

    PYTHONPATH=src python -m benchmarks.compare --all
    PYTHONPATH=src python -m benchmarks.compare --workload w1 w3 --threads 2 1 --steps 200
    PYTHONPATH=src python -m benchmarks.compare --workload w4 --accuracy

Each workload trains for ``--steps`` steps after ``--warmup`` warm-up steps, with chainrule
and with PyTorch (when importable): the same initial weights (chainrule's state dict copied
into the PyTorch twin), the same batches, the same thread count (NumPy's BLAS pool through
threadpoolctl, ``torch.set_num_threads`` for PyTorch). The two alternate ``--repeats`` times;
the fastest run of each counts (the least disturbed by other load on the machine), and the
median ratio of back-to-back pairs is shown beside it.

| key | model                                   | loss, optimizer                 | batch | dtype   |
| w1  | MLP 784-30-10, sigmoid everywhere, N(0,1)| quadratic cost, SGD lr 3.0      | 10    | float64 |
| w2  | MLP 784-256-256-10, ReLU                | cross-entropy, SGD mom 0.9 lr 0.05 | 128 | float32 |
| w3  | LeNet-5 (chainrule.models.lenet5)       | as w2                           | 64    | float32 |
| w4  | MLP 784-2048-2048-10, ReLU              | as w2                           | 512   | float32 |

Prints samples/s for both and the ratio chainrule / PyTorch. ``--user-loop`` also times each
workload as a PyTorch user writes it: the training set as one tensor, a shuffled index tensor
(``randperm``), each step indexing the data with its slice (``x = X[idx]``) before the same
step, so the gathering is in the time. ``--memory`` also measures, in a fresh process per
framework and workload, the peak resident memory of 20 training steps above what the process
held with the model and the batches built (VmHWM from /proc). With ``--accuracy`` the test
accuracy of both after one epoch from the same start; with ``--all`` also the float32 GEMM
ceiling (a 2048x2048 @ 2048x2048 NumPy product), w4's achieved GFLOP/s against it, and the
per-op overhead of small ops (forward + backward, from benchmarks/op_overhead.py). Data: real MNIST from
chainrule's data cache (``MNIST(download=True)`` puts it there; or ``--data DIR``); without it scikit-learn's 8x8
digits upscaled to 28x28, or else random images, and the output says which.
"""
import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
WORKLOAD_KEYS = ("w1", "w2", "w3", "w4")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--all", action="store_true",
                        help="every workload, the GEMM ceiling and the per-op overhead")
    parser.add_argument("--workload", nargs="+", choices=WORKLOAD_KEYS, default=[])
    parser.add_argument("--threads", nargs="+", type=int, default=[2, 1])
    parser.add_argument("--steps", type=int, default=None,
                        help="timed steps per run (default: per workload, about a second of work)")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per framework; the best counts")
    parser.add_argument("--accuracy", action="store_true",
                        help="also train one epoch from the same start and report test accuracy")
    parser.add_argument("--data", type=Path, help="folder of the MNIST IDX files (default: chainrule's data cache)")
    parser.add_argument("--no-torch", action="store_true", help="time chainrule alone")
    parser.add_argument("--user-loop", action="store_true",
                        help="also time each workload indexing the training tensors per step, as a user's loop does")
    parser.add_argument("--memory", action="store_true",
                        help="also measure each framework's peak memory of training steps, in fresh processes")
    parser.add_argument("--memory-child", nargs=2, metavar=("WORKLOAD", "FRAMEWORK"), help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true",
                        help="cProfile chainrule's timed steps (first thread count) instead of comparing")
    args = parser.parse_args(argv)
    if not args.all and not args.workload and not args.memory_child:
        parser.error("choose --all or --workload KEY [KEY ...]")
    if args.all and not args.workload:
        args.workload = list(WORKLOAD_KEYS)
    return args


if __name__ == "__main__":
    ARGS = parse_args()
    for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_variable] = str(max(ARGS.threads))  # the pools' size; threadpoolctl lowers it

import numpy as np  # noqa: E402

import chainrule as cr  # noqa: E402
from chainrule import models, nn, optim  # noqa: E402
from chainrule.nn import functional as F  # noqa: E402
from benchmarks.threads import limit_threads  # noqa: E402

try:
    import torch
except ImportError:
    torch = None


@dataclass
class Workload:
    key: str
    title: str
    build: object  # () -> chainrule model
    torch_layers: object  # (torch.nn) -> list of layers of the twin
    loss: str  # "quadratic" or "cross_entropy"
    batch: int
    dtype: object
    lr: float
    momentum: float
    steps: int  # default timed steps


def _torch_mlp(sizes, activation):
    def layers(tn):
        out = [tn.Flatten()]
        for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
            out.append(tn.Linear(n_in, n_out))
            if activation == "sigmoid" or i < len(sizes) - 2:
                out.append(tn.Sigmoid() if activation == "sigmoid" else tn.ReLU())
        return out
    return layers


def _torch_lenet5(tn):
    return [tn.Conv2d(1, 6, 5, padding=2), tn.ReLU(), tn.MaxPool2d(2),
            tn.Conv2d(6, 16, 5), tn.ReLU(), tn.MaxPool2d(2), tn.Flatten(),
            tn.Linear(400, 120), tn.ReLU(), tn.Linear(120, 84), tn.ReLU(), tn.Linear(84, 10)]


WORKLOADS = {
    "w1": Workload("w1", "MLP 784-30-10 sigmoid, N(0,1) init, quadratic cost, SGD lr 3.0, batch 10, float64",
                   lambda: models.nielsen((784, 30, 10)).double(), _torch_mlp((784, 30, 10), "sigmoid"),
                   "quadratic", 10, np.float64, 3.0, 0.0, 2000),
    "w2": Workload("w2", "MLP 784-256-256-10 ReLU, cross-entropy, SGD momentum 0.9 lr 0.05, batch 128, float32",
                   lambda: models.mlp((784, 256, 256, 10)), _torch_mlp((784, 256, 256, 10), "relu"),
                   "cross_entropy", 128, np.float32, 0.05, 0.9, 300),
    "w3": Workload("w3", "LeNet-5, cross-entropy, SGD momentum 0.9 lr 0.05, batch 64, float32",
                   models.lenet5, _torch_lenet5, "cross_entropy", 64, np.float32, 0.05, 0.9, 150),
    "w4": Workload("w4", "MLP 784-2048-2048-10 ReLU, cross-entropy, SGD momentum 0.9 lr 0.05, batch 512, float32",
                   lambda: models.mlp((784, 2048, 2048, 10)), _torch_mlp((784, 2048, 2048, 10), "relu"),
                   "cross_entropy", 512, np.float32, 0.05, 0.9, 20),
}


# ---- data ------------------------------------------------------------------------------------
def load_data(root):
    """``(description, train_images, train_labels, test_images, test_labels)`` from the MNIST
    files in ``root`` (None: chainrule's data cache); images float32 (N, 1, 28, 28) in [0, 1],
    labels int64."""
    from chainrule.data import MNIST

    if MNIST.is_available(root, train=True) and MNIST.is_available(root, train=False):
        splits = [MNIST(root, train=train) for train in (True, False)]
        arrays = [a for ds in splits for a in ds.get_batch(np.arange(len(ds)))]
        return (f"real MNIST from {splits[0].root}", *arrays)
    try:
        from chainrule.data import Digits

        splits = [Digits(train=train) for train in (True, False)]
    except ImportError:
        rng = np.random.default_rng(0)
        images = rng.random((12000, 1, 28, 28), dtype=np.float32)
        labels = rng.integers(0, 10, 12000)
        return (f"SYNTHETIC random images (no MNIST in {root}, no scikit-learn): accuracy is chance",
                images[:10000], labels[:10000], images[10000:], labels[10000:])
    arrays = []
    for ds in splits:
        images, labels = ds.get_batch(np.arange(len(ds)))
        upscaled = np.kron(images, np.ones((3, 3), np.float32))  # 8x8 -> 24x24
        arrays += [np.pad(upscaled, ((0, 0), (0, 0), (2, 2), (2, 2))), labels]
    return (f"NOT MNIST (none in {root}): scikit-learn's 8x8 digits upscaled to 28x28", *arrays)


def index_batches(count, batch, n, seed):
    """``count`` index arrays of ``batch`` from seeded permutations of ``range(n)`` (the user's
    ``randperm``, drawn before timing as a DataLoader's sampler would be)."""
    rng = np.random.default_rng(seed)
    per_epoch = n // batch
    order = np.concatenate([rng.permutation(n)[: per_epoch * batch] for _ in range(-(-count // per_epoch))])
    return list(order[: count * batch].reshape(count, batch))


def batch_sequence(images, labels, batch, count, dtype, seed):
    """``count`` batches drawn by a seeded shuffle (repeating the epoch as needed), gathered
    once into contiguous arrays so that neither framework's timing includes the gathering."""
    index = np.stack(index_batches(count, batch, len(images), seed))
    return images[index].astype(dtype), labels[index]


def one_hot(labels, dtype):
    return np.eye(10, dtype=dtype)[labels]


# ---- the two frameworks ----------------------------------------------------------------------
# from_numpy shares the batch's memory as torch.from_numpy does; older chainrule copies it
_as_tensor = getattr(cr, "from_numpy", cr.tensor)


class Runner:
    """One framework's model, optimizer and loss; ``as_tensor`` wraps a batch without copying."""

    def steps(self, images, targets, step_seconds=None):
        """Train on every batch; the last loss. ``step_seconds``, a list, gets each step's time."""
        model, optimizer, loss_fn, as_tensor = self.model, self.optimizer, self.loss_fn, self.as_tensor
        clock = time.perf_counter
        for x, y in zip(images, targets):
            start = clock()
            optimizer.zero_grad()
            loss = loss_fn(model(as_tensor(x)), as_tensor(y))
            loss.backward()
            optimizer.step()
            if step_seconds is not None:
                step_seconds.append(clock() - start)
        return loss.item()

    def user_steps(self, data, targets, index_batches):
        """Train as a user's loop does: ``data``, ``targets`` (the whole training set) and each
        step's indices as this framework's tensors, the batch gathered by indexing per step."""
        model, optimizer, loss_fn, as_tensor = self.model, self.optimizer, self.loss_fn, self.as_tensor
        X, Y = as_tensor(data), as_tensor(targets)
        for idx in map(as_tensor, index_batches):
            optimizer.zero_grad()
            loss = loss_fn(model(X[idx]), Y[idx])
            loss.backward()
            optimizer.step()
        return loss.item()


class ChainruleRunner(Runner):
    name = "chainrule"
    as_tensor = staticmethod(_as_tensor)

    def __init__(self, workload, model):
        self.model = model
        self.optimizer = optim.SGD(model.parameters(), lr=workload.lr, momentum=workload.momentum)
        self.loss_fn = F.quadratic_cost if workload.loss == "quadratic" else F.cross_entropy

    def predict(self, images):
        with cr.no_grad():
            return np.concatenate([self.model(self.as_tensor(x)).numpy().argmax(1) for x in images])


class TorchRunner(Runner):
    name = "pytorch"

    def __init__(self, workload, model):
        twin = torch.nn.Sequential(*workload.torch_layers(torch.nn))
        if workload.dtype == np.float64:
            twin = twin.double()
        twin.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in model.state_dict().items()})
        self.model, self.as_tensor = twin, torch.from_numpy
        self.optimizer = torch.optim.SGD(twin.parameters(), lr=workload.lr, momentum=workload.momentum)
        if workload.loss == "quadratic":  # C = 1/(2N) sum ||a - y||^2, as chainrule's quadratic_cost
            self.loss_fn = lambda out, y: torch.nn.functional.mse_loss(out, y, reduction="sum") * (0.5 / len(y))
        else:
            self.loss_fn = torch.nn.functional.cross_entropy

    def predict(self, images):
        with torch.no_grad():
            return np.concatenate([self.model(torch.from_numpy(x)).argmax(1).numpy() for x in images])


def make_runners(workload, use_torch):
    """chainrule and (optionally) PyTorch, both starting from the same seeded initial weights."""
    cr.manual_seed(0)
    model = workload.build()
    runners = [ChainruleRunner(workload, model)]
    if use_torch:
        runners.append(TorchRunner(workload, model))  # copies the weights before any step
    return runners


def targets_for(workload, labels):
    return one_hot(labels, workload.dtype) if workload.loss == "quadratic" else labels


# ---- measurements ----------------------------------------------------------------------------
def time_workload(workload, data, args, use_torch):
    """``{framework: (samples/s, ms/step, ms of the fastest step)}`` of the fastest run, the median over the repeats
    of chainrule's speed / PyTorch's speed in back-to-back runs (None without PyTorch), and
    the losses after the warm-up steps."""
    steps = args.steps or workload.steps
    _, train_x, train_y = data[:3]
    warm_x, warm_y = batch_sequence(train_x, train_y, workload.batch, args.warmup, workload.dtype, seed=1)
    images, labels = batch_sequence(train_x, train_y, workload.batch, steps, workload.dtype, seed=2)
    warm_y, labels = targets_for(workload, warm_y), targets_for(workload, labels)
    runners = make_runners(workload, use_torch)
    warm_losses = {r.name: r.steps(warm_x, warm_y) for r in runners}
    seconds = {r.name: [] for r in runners}
    step_seconds = {r.name: [] for r in runners}
    for _ in range(args.repeats):  # alternate, so that both see the same machine load
        for runner in runners:
            seconds[runner.name].append(_seconds(lambda: runner.steps(images, labels, step_seconds[runner.name])))
    rates = {name: (steps * workload.batch / min(s), min(s) / steps * 1e3, min(step_seconds[name]) * 1e3)
             for name, s in seconds.items()}
    pairs = [theirs / ours for ours, theirs in zip(*seconds.values())] if len(seconds) == 2 else None
    return rates, pairs and statistics.median(pairs), warm_losses, steps


def time_user_loop(workload, data, args, use_torch):
    """``{framework: samples/s}`` of the fastest run of the user's loop (``Runner.user_steps``)."""
    steps = args.steps or workload.steps
    train_x = np.ascontiguousarray(data[1], dtype=workload.dtype)
    targets = np.ascontiguousarray(targets_for(workload, data[2]))
    warm = index_batches(args.warmup, workload.batch, len(train_x), seed=1)
    timed = index_batches(steps, workload.batch, len(train_x), seed=2)
    runners = make_runners(workload, use_torch)
    for runner in runners:
        runner.user_steps(train_x, targets, warm)
    seconds = {r.name: [] for r in runners}
    for _ in range(args.repeats):
        for runner in runners:
            seconds[runner.name].append(_seconds(lambda: runner.user_steps(train_x, targets, timed)))
    return {name: steps * workload.batch / min(s) for name, s in seconds.items()}


MEMORY_STEPS = 20


def _status_mib(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":")) / 1024


def memory_child(key, framework, args):
    """In a fresh process: the peak resident memory (MiB) of ``MEMORY_STEPS`` training steps
    above what the process holds with the model and the batches built and one step taken
    (Linux's peak is reset first: writing 5 to /proc/self/clear_refs)."""
    workload = WORKLOADS[key]
    limit_threads(args.threads[0], torch)
    data = load_data(args.data)
    images, labels = batch_sequence(*data[1:3], workload.batch, MEMORY_STEPS + 1, workload.dtype, seed=2)
    labels = targets_for(workload, labels)
    del data
    runner = make_runners(workload, use_torch=framework == "pytorch")[framework == "pytorch"]
    runner.steps(images[:1], labels[:1])  # lazy allocations (optimizer state) count as the model's
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # VmHWM := VmRSS
    held = _status_mib("VmRSS")
    runner.steps(images[1:], labels[1:])
    print(f"{_status_mib('VmHWM') - held:.1f}")


def peak_memory(key, framework, args):
    """The MiB that ``memory_child``'s steps added to the peak."""
    command = [sys.executable, "-m", "benchmarks.compare", "--memory-child", key, framework,
               "--threads", str(args.threads[0])] + (["--data", str(args.data)] if args.data else [])
    paths = [str(REPO_ROOT / "src"), str(REPO_ROOT), os.environ.get("PYTHONPATH")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in paths if p))
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO_ROOT, check=True)
    return float(done.stdout.split()[-1])


def epoch_accuracy(workload, data, use_torch):
    """Test accuracy of both frameworks after one epoch from the same weights and batches."""
    _, train_x, train_y, test_x, test_y = data
    per_epoch = len(train_x) // workload.batch
    images, labels = batch_sequence(train_x, train_y, workload.batch, per_epoch, workload.dtype, seed=3)
    labels = targets_for(workload, labels)
    test_batches = np.array_split(test_x.astype(workload.dtype), max(1, len(test_x) // 1000))
    results = {}
    for runner in make_runners(workload, use_torch):
        start = time.perf_counter()
        runner.steps(images, labels)
        seconds = time.perf_counter() - start
        results[runner.name] = ((runner.predict(test_batches) == test_y).mean(), seconds)
    return results


def gemm_ceiling(repeats=5, n=2048):
    """float32 GFLOP/s of an n x n @ n x n NumPy product (best of ``repeats``)."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    a @ b
    best = min(_seconds(lambda: a @ b) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def _seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def mlp_step_flops(sizes, batch):
    """GEMM FLOPs of one training step of an MLP: 2 per multiply-add, forward (x W^T) and
    backward (dW = dY^T X for every layer, dX = dY W for every layer but the first, whose
    input needs no gradient). Element-wise work and the optimizer are not counted."""
    macs = [n_in * n_out for n_in, n_out in zip(sizes, sizes[1:])]
    return 2 * batch * (2 * sum(macs) + sum(macs[1:]))


def op_overhead(threads):
    """The output of benchmarks/op_overhead.py (a chain of small ops, forward + backward,
    microseconds per op, and a 784-256-10 MLP step; chainrule next to PyTorch), run at
    ``threads`` threads in a fresh process, as it sets its pools before NumPy loads."""
    paths = [str(REPO_ROOT / "src"), os.environ.get("PYTHONPATH")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in paths if p))
    script = REPO_ROOT / "benchmarks" / "op_overhead.py"
    result = subprocess.run([sys.executable, str(script), "--threads", str(threads)],
                            capture_output=True, text=True, env=env)
    return (result.stdout + result.stderr).rstrip()


# ---- report ----------------------------------------------------------------------------------
def describe_machine():
    model = platform.processor() or platform.machine()
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    blas = "unknown"
    try:
        config = np.show_config(mode="dicts")
        info = config["Build Dependencies"]["blas"]
        blas = f"{info['name']} {info.get('version', '')}".strip()
    except (TypeError, KeyError):
        pass
    lines = [
        f"date: {datetime.datetime.now().isoformat(timespec='minutes')}",
        f"command: python -m benchmarks.compare {' '.join(sys.argv[1:])}",
        f"machine: {model}, {os.cpu_count()} logical CPUs; load average {_load()} at start",
        f"python {platform.python_version()}, numpy {np.__version__} (BLAS {blas}), "
        + (f"torch {torch.__version__}" if torch is not None else "torch not importable: chainrule only"),
    ]
    return "\n".join(lines)


def _load():
    return "/".join(f"{v:.2f}" for v in os.getloadavg())


def profile(workload, data, args):
    import cProfile
    import pstats

    steps = args.steps or workload.steps
    limit_threads(args.threads[0], torch)
    images, labels = batch_sequence(*data[1:3], workload.batch, steps, workload.dtype, seed=2)
    runner = make_runners(workload, use_torch=False)[0]
    runner.steps(images[: args.warmup], targets_for(workload, labels[: args.warmup]))
    profiler = cProfile.Profile()
    profiler.runcall(runner.steps, images, targets_for(workload, labels))
    print(f"{workload.key}: {workload.title}; {steps} steps, {args.threads[0]} thread(s)")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def main(args):
    if args.memory_child:
        return memory_child(*args.memory_child, args)
    data = load_data(args.data)
    if args.profile:
        for key in args.workload:
            profile(WORKLOADS[key], data, args)
        return
    use_torch = torch is not None and not args.no_torch
    print(describe_machine())
    print(f"data: {data[0]}")
    print(f"timing: {args.warmup} warm-up steps, then {args.repeats} timed runs of each framework, alternating; "
          "samples/s of the fastest run, and the median ratio of back-to-back pairs")
    print()
    for threads in args.threads:
        print(f"## {threads} thread(s): {limit_threads(threads, torch)}")
        print("| workload | steps | chainrule samples/s | PyTorch samples/s | chainrule / PyTorch "
              "| median of paired runs | ms/step chainrule, PyTorch | loss after warm-up chainrule, PyTorch |")
        print("|---|---|---|---|---|---|---|---|")
        w4_rates = None
        # best of a measurement before and one after the workloads: load from other processes
        # only ever slows a run down, so the faster one is closer to the machine's ceiling
        ceiling = gemm_ceiling() if args.all or "w4" in args.workload else None
        for key in args.workload:
            workload = WORKLOADS[key]
            rates, paired, warm, steps = time_workload(workload, data, args, use_torch)
            ours, theirs = rates["chainrule"], rates.get("pytorch")
            ratio = f"{ours[0] / theirs[0]:.2f}x | {paired:.2f}x" if theirs else "- | -"
            ms = f"{ours[1]:.2f}, {theirs[1]:.2f}" if theirs else f"{ours[1]:.2f}, -"
            print(f"| {key} | {steps} | {ours[0]:,.0f} | {f'{theirs[0]:,.0f}' if theirs else '-'} | {ratio} "
                  f"| {ms} | {', '.join(f'{v:.6f}' for v in warm.values())} |")
            if key == "w4":
                w4_rates = rates
        if ceiling:
            ceiling = max(ceiling, gemm_ceiling())
            print(f"\nfloat32 GEMM ceiling (NumPy 2048x2048 @ 2048x2048): {ceiling:.1f} GFLOP/s")
        if w4_rates:
            flops = mlp_step_flops((784, 2048, 2048, 10), WORKLOADS["w4"].batch)
            print(f"w4: {flops / 1e9:.2f} GFLOP of GEMM per step (formula in mlp_step_flops)")
            for name, (_, ms, fastest_ms) in w4_rates.items():
                run, step = flops / ms / 1e6, flops / fastest_ms / 1e6
                print(f"w4 {name}: fastest run {run:.1f} GFLOP/s = {run / ceiling:.0%} of the ceiling; "
                      f"fastest single step {step:.1f} GFLOP/s = {step / ceiling:.0%}")
        if args.user_loop:
            print(f"\nthe user's loop ({threads} thread(s)): each step indexes the training tensors, X[idx], Y[idx]")
            print("| workload | chainrule samples/s | PyTorch samples/s | chainrule / PyTorch |")
            print("|---|---|---|---|")
            for key in args.workload:
                rates = time_user_loop(WORKLOADS[key], data, args, use_torch)
                ours, theirs = rates["chainrule"], rates.get("pytorch")
                ratio = f"{ours / theirs:.2f}x" if theirs else "-"
                print(f"| {key} | {ours:,.0f} | {f'{theirs:,.0f}' if theirs else '-'} | {ratio} |")
        if args.all:
            print(f"\nper-op overhead (python benchmarks/op_overhead.py --threads {threads}):")
            print(op_overhead(threads))
        print()
    if args.memory and os.path.exists("/proc/self/status"):
        print(f"## peak memory of {MEMORY_STEPS} training steps ({args.threads[0]} thread(s)), a fresh process each: "
              "MiB above the peak with the model and the batches built")
        print("| workload | chainrule MiB | PyTorch MiB | chainrule / PyTorch |")
        print("|---|---|---|---|")
        for key in args.workload:
            ours = peak_memory(key, "chainrule", args)
            theirs = peak_memory(key, "pytorch", args) if use_torch else None
            ratio = f"{ours / theirs:.2f}" if theirs else "-"
            print(f"| {key} | {ours:.1f} | {f'{theirs:.1f}' if theirs is not None else '-'} | {ratio} |")
        print()
    if args.accuracy:
        limit_threads(args.threads[0], torch)
        print(f"## test accuracy after one epoch ({args.threads[0]} thread(s), same start, same batches)")
        print("| workload | chainrule accuracy | PyTorch accuracy | epoch seconds chainrule, PyTorch |")
        print("|---|---|---|---|")
        for key in args.workload:
            results = epoch_accuracy(WORKLOADS[key], data, use_torch)
            acc = [f"{results[n][0]:.2%}" if n in results else "-" for n in ("chainrule", "pytorch")]
            secs = ", ".join(f"{s:.1f}" for _, s in results.values())
            print(f"| {key} | {acc[0]} | {acc[1]} | {secs} |")
        print()
    print(f"load average at the end: {_load()}")


if __name__ == "__main__":
    main(ARGS)
