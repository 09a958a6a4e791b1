"""Seconds per MNIST epoch of ``chainrule train`` next to the same PyTorch script a user writes.

    PYTHONPATH=src python -m benchmarks.epoch_time --data-dir DIR --threads 1
    PYTHONPATH=src python -m benchmarks.epoch_time --data-dir DIR --models lenet5 cnn_bn --threads 2

For each model, alternating ``--repeats`` times, two fresh processes train one epoch on the
60,000 training images and evaluate the 10,000 test images with the model's recipe on MNIST
(``chainrule.train.config.recipe_of``: batch size, learning rate, momentum, weight decay, init,
loss):

- chainrule: the CLI itself, ``python -m chainrule train --dataset mnist --model M --epochs 1
  --threads T --quiet`` into a temporary run directory; its epoch time is the ``time`` of the
  epoch's line in ``metrics.jsonl`` (the training steps, batch fetching included).
- PyTorch: ``benchmarks/torch_mnist_epoch.py``, a plain script (TensorDataset and
  DataLoader(shuffle=True) over the same IDX files, the same network, SGD), timing the same loop.

Both run with ``OMP_NUM_THREADS=T`` (and the CLI's ``--threads T``, PyTorch's
``torch.set_num_threads(T)``). Prints the machine, then per model the fastest epoch of each
(other load only ever slows a run down), chainrule's speed over PyTorch's (PyTorch's seconds over
chainrule's: above 1, chainrule is faster, as in ``benchmarks.compare``), the fastest process's
wall time (start-up, loading and evaluation included) and both test accuracies, which show
that the two train alike.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "src"))

from chainrule.data import MNIST  # noqa: E402
from chainrule.train.config import TrainConfig  # noqa: E402

MODELS = ("nielsen", "mlp", "lenet5", "cnn_bn")
TORCH_SCRIPT = REPO_ROOT / "benchmarks" / "torch_mnist_epoch.py"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=MNIST.default_root(),
                        help="folder of the MNIST IDX files (default: chainrule's data cache)")
    parser.add_argument("--models", nargs="+", choices=MODELS, default=["nielsen", "mlp", "lenet5"],
                        help="models of chainrule's zoo (cnn_bn: about a minute per epoch)")
    parser.add_argument("--threads", type=int, default=1, help="threads of both frameworks")
    parser.add_argument("--repeats", type=int, default=3,
                        help="epochs timed per framework and model, alternating; the fastest counts")
    parser.add_argument("--no-torch", action="store_true", help="time chainrule alone")
    args = parser.parse_args(argv)
    if args.threads < 1 or args.repeats < 1:
        parser.error("--threads and --repeats must be at least 1")
    args.data_dir = args.data_dir.resolve()
    return args


def recipe(model):
    """The ``TrainConfig`` ``chainrule train --dataset mnist --model MODEL --epochs 1`` runs."""
    config, _ = TrainConfig.with_recipe(dataset="mnist", model=model, epochs=1)
    if config.optimizer != "sgd" or config.schedule not in ("none", "cosine"):
        raise ValueError(f"{model}: the PyTorch script runs SGD with a constant rate over one epoch")
    return config


def chainrule_command(model, args, run_dir):
    return [sys.executable, "-m", "chainrule", "train", "--dataset", "mnist", "--data-dir",
            str(args.data_dir), "--model", model, "--epochs", "1", "--threads", str(args.threads),
            "--quiet", "--out", str(run_dir)]


def torch_command(model, args):
    config = recipe(model)
    return [sys.executable, str(TORCH_SCRIPT), "--data-dir", str(args.data_dir), "--model", model,
            "--loss", config.loss, "--init", config.init, "--batch-size", str(config.batch_size),
            "--lr", str(config.lr), "--momentum", str(config.momentum),
            "--weight-decay", str(config.weight_decay), "--threads", str(args.threads),
            "--seed", str(config.seed)]


def environment(threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT / "src"), env.get("PYTHONPATH")]))
    return env


def _run(command, env):
    """``(stdout, wall seconds)`` of ``command``; a failure stops the benchmark with its output."""
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout, time.perf_counter() - started


def chainrule_epoch(model, args, env):
    """``(epoch seconds, wall seconds, test accuracy)`` of one ``chainrule train`` epoch."""
    with tempfile.TemporaryDirectory() as folder:
        run_dir = Path(folder) / "run"
        _, wall = _run(chainrule_command(model, args, run_dir), env)
        record = json.loads((run_dir / "metrics.jsonl").read_text().splitlines()[0])
    return record["time"], wall, record["test_acc"]


def torch_epoch(model, args, env):
    """``(epoch seconds, wall seconds, test accuracy)`` of one epoch of the PyTorch script."""
    output, wall = _run(torch_command(model, args), env)
    fields = output.split()
    return float(fields[fields.index("train_seconds") + 1]), wall, float(fields[fields.index("test_acc") + 1])


def machine_line(args):
    model = platform.processor() or platform.machine()
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        model = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines()
                      if line.startswith("Model name:")), model)
    except (OSError, subprocess.CalledProcessError):
        pass
    load = "/".join(f"{value:.2f}" for value in os.getloadavg())
    return (f"{datetime.datetime.now().isoformat(timespec='minutes')}  {model}, {os.cpu_count()} "
            f"logical CPUs, load average {load}; {args.threads} thread(s) each; python "
            f"{platform.python_version()}")


def main(argv=None):
    args = parse_args(argv)
    env = environment(args.threads)
    print(machine_line(args))
    print("one epoch of 60,000 MNIST images, then the 10,000 test images; fastest of "
          f"{args.repeats}; seconds of the training loop (wall: whole process)", flush=True)
    for model in args.models:
        config = recipe(model)
        ours, theirs = [], []
        for _ in range(args.repeats):
            ours.append(chainrule_epoch(model, args, env))
            if not args.no_torch:
                theirs.append(torch_epoch(model, args, env))
        best = min(ours)
        line = (f"{model:8s} batch {config.batch_size:3d}  chainrule {best[0]:6.2f} s/epoch "
                f"(wall {min(r[1] for r in ours):5.1f} s, test {100 * best[2]:.2f}%)")
        if theirs:
            reference = min(theirs)
            line += (f"   PyTorch {reference[0]:6.2f} s/epoch (wall {min(r[1] for r in theirs):5.1f} s, "
                     f"test {100 * reference[2]:.2f}%)   chainrule/PyTorch {reference[0] / best[0]:5.2f}x")
        print(line, flush=True)


if __name__ == "__main__":
    main()
