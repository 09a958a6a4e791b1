"""A seeded generator of hostile run folders, and a driver that gives a batch of them to
``chainrule eval``, ``predict`` and ``train --resume`` in this process with Click's runner (run
by test_hostile_runs.py; issue 18).

    python tests/train/hostile_runs.py TEMPLATE SEED FIRST COUNT WORKDIR

TEMPLATE is a finished run (2 epochs on the digits). Case ``i`` of campaign ``SEED`` copies it,
damages it one to three times (``DAMAGES``: files missing, replaced by directories, named pipes
or links to outside the run, broken or linked ``last``/``best`` slots, leftovers of an interrupted
save, no permission, and hostile content in ``checkpoint.json``, ``config.json``,
``metrics.jsonl``, ``model.safetensors`` and ``training.safetensors``, the last two both as files
and as valid files of hostile values), then runs command ``i % 3``. Reported as failures: an
exception other than Click's exit, an exit status other than 0, 1 or 2, a failure without
exactly one ``Error:`` line or with a traceback, anything changed outside the run folder (a
folder beside it holds the targets of its links), anything changed at all by eval or predict,
and a case running longer than ``CASE_TIMEOUT`` s. Resumes train one more epoch (``--epochs
3 --checkpoint-every 0``); one in ten draws its curves, the others skip the plot (it costs a
second and reads nothing from the run). Prints one JSON line: ``{"cases", "failures",
"peak_mib"}``.
"""
import json
import os
import random
import shutil
import signal
import stat
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "io"))
from hostile_files import (  # noqa: E402
    Deep, dumps, edit_json, hostile_value, limit_memory, mutate_safetensors, mutate_text, peak_mib,
)

import chainrule as cr  # noqa: E402
from chainrule.cli import build_cli  # noqa: E402
from chainrule.io import load_state, save_state  # noqa: E402
from click.testing import CliRunner  # noqa: E402

CASE_TIMEOUT = 30  # seconds; a resume trains for about one
SLOTS = ("last", "best")
FILES = ("checkpoint.json", "model.safetensors", "training.safetensors")


def _slot_file(rng, run):
    return os.path.join(run, "checkpoints", rng.choice(SLOTS), rng.choice(FILES))


def _any_path(rng, run):
    return rng.choice([_slot_file(rng, run), os.path.join(run, "config.json"), os.path.join(run, "metrics.jsonl"),
                       os.path.join(run, "checkpoints", rng.choice(SLOTS)), os.path.join(run, "checkpoints"),
                       os.path.join(run, ".lock")])


def _remove(path):
    if os.path.islink(path) or not os.path.isdir(path):
        if os.path.lexists(path):
            os.remove(path)
    else:
        shutil.rmtree(path)


def missing(rng, run, outside):
    path = _any_path(rng, run)
    _remove(path)
    return f"removed {os.path.relpath(path, run)}"


def directory_for_file(rng, run, outside):
    path = rng.choice([_slot_file(rng, run), os.path.join(run, "config.json"), os.path.join(run, "metrics.jsonl")])
    _remove(path)
    os.makedirs(os.path.join(path, "inside"))
    return f"directory at {os.path.relpath(path, run)}"


def pipe(rng, run, outside):
    path = rng.choice([_slot_file(rng, run), os.path.join(run, "config.json"), os.path.join(run, "metrics.jsonl")])
    _remove(path)
    if rng.random() < 0.5:
        os.mkfifo(path)
        return f"named pipe at {os.path.relpath(path, run)}"
    target = os.path.join(outside, f"pipe{rng.randrange(10 ** 6)}")
    os.mkfifo(target)
    os.symlink(target, path)
    return f"link to a named pipe at {os.path.relpath(path, run)}"


def link_outside(rng, run, outside):
    """A file or slot replaced by a link: to a copy outside, a device, nowhere, or itself."""
    path = _any_path(rng, run)
    kind = rng.choice(["copy", "copy", "device", "dangling", "loop", "file-for-directory", "etc"])
    target = os.path.join(outside, f"target{rng.randrange(10 ** 6)}")
    if kind == "copy" and os.path.isdir(path):
        shutil.copytree(path, target, symlinks=True)
    elif kind == "copy" and os.path.isfile(path):
        shutil.copy(path, target)
    elif kind == "device":
        target = "/dev/zero"
    elif kind == "loop":
        target = path
    elif kind == "file-for-directory":
        with open(target, "w") as file:
            file.write("{}")
    elif kind == "etc":
        target = "/etc/hostname" if os.path.exists("/etc/hostname") else "/etc/passwd"
    _remove(path)
    os.symlink(target, path)
    return f"{os.path.relpath(path, run)} links to {kind}"


def slot_damage(rng, run, outside):
    """A broken slot: a file where the folder goes, only the leftovers of an interrupted save
    (``.last.new``/``.last.old``, complete or not), or junk beside the checkpoints."""
    checkpoints = os.path.join(run, "checkpoints")
    slot = rng.choice(SLOTS)
    path = os.path.join(checkpoints, slot)
    kind = rng.choice(["file", "new", "old", "new-incomplete", "junk"])
    if kind == "file":
        _remove(path)
        with open(path, "wb") as file:
            file.write(os.urandom(rng.randint(0, 64)))
    elif kind in ("new", "old"):
        os.replace(path, os.path.join(checkpoints, f".{slot}.{kind}"))
    elif kind == "new-incomplete":
        os.makedirs(os.path.join(checkpoints, f".{slot}.new"))
        shutil.copy(os.path.join(run, "config.json"), os.path.join(checkpoints, f".{slot}.new", "model.safetensors"))
    else:
        with open(os.path.join(checkpoints if rng.random() < 0.5 else path, rng.choice(["x", ".x.tmp", "last.old"])), "wb") as file:
            file.write(os.urandom(rng.randint(0, 64)))
    return f"slot {slot}: {kind}"


def no_permission(rng, run, outside):
    """Mode 000 on a file or folder (root reads it anyway: then nothing may change)."""
    path = _any_path(rng, run)
    if os.path.lexists(path) and not os.path.islink(path):
        os.chmod(path, 0)
    return f"mode 000 on {os.path.relpath(path, run)}"


def _regular(path):
    """Whether ``path`` is a regular file and no link: the only kind a damage reads (an earlier
    damage may have made it a named pipe, or a link to /dev/zero)."""
    return os.path.isfile(path) and not os.path.islink(path)


def _edit_json_file(rng, path):
    if not _regular(path):
        return "not a file"
    with open(path, "rb") as file:
        raw = file.read()
    try:
        document = json.loads(raw)
    except ValueError:
        return "not json"
    if rng.random() < 0.75:
        label = edit_json(rng, document)
        raw = dumps(document).encode("utf-8", "surrogatepass")
    else:
        label, raw = mutate_text(rng, raw)
    with open(path, "wb") as file:
        file.write(raw)
    return label


def sidecar(rng, run, outside):
    path = os.path.join(run, "checkpoints", rng.choice(SLOTS), "checkpoint.json")
    return f"{os.path.relpath(path, run)}: {_edit_json_file(rng, path)}"


SIDECAR_FIELDS = {  # what builds the model, the optimizer and the generator, and values that were attacks
    ("config", "hidden"): [[5_000_000], [0], [-1], [2 ** 70], [100, 100, 100]],
    ("model", "input_shape"): [[1, 100_000, 100_000], [0, 8, 8], [1, 8], [3, 8, 8]],
    ("model", "classes"): [[str(i) for i in range(12)], [], ["a"] * 10_000, list(range(10))],
    ("config", "lr"): [float("nan"), -1.0, "fast", None, 1e308],
    ("config", "batch_size"): [0, -1, 10 ** 9, 1.5], ("config", "epochs"): [0, 10 ** 12, -3],
    ("config", "schedule"): ["cosine", "step", "os.system"], ("config", "model"): ["lenet5", "cnn_bn", "x"],
    ("rng", "state", "state"): [2 ** 300, -5], ("rng", "state", "inc"): [2 ** 128, -1],
    ("rng", "bit_generator"): ["MT19937", "os.system", "Philox"], ("state", "epoch"): [1, 10 ** 6, -1],
    ("state", "step"): [0, 2 ** 63], ("state", "epoch_step"): [10 ** 6, 45], ("config",): [[1, 2], "x"],
}


def sidecar_field(rng, run, outside):
    """A field that decides what is built set to a hostile value (the sidecar stays valid JSON)."""
    path = os.path.join(run, "checkpoints", rng.choice(SLOTS), "checkpoint.json")
    if not _regular(path):
        return "not a file"
    with open(path, "rb") as file:
        try:
            document = json.loads(file.read())
        except ValueError:
            return "not json"
    keys = rng.choice(sorted(SIDECAR_FIELDS))
    value = rng.choice(SIDECAR_FIELDS[keys]) if rng.random() < 0.7 else hostile_value(rng)
    node = document
    try:
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    except (KeyError, TypeError, IndexError):
        return "no such field"
    with open(path, "wb") as file:
        file.write(dumps(document).encode("utf-8", "surrogatepass"))
    return f"checkpoint.json: {'/'.join(keys)} = {str(value)[:40]}"


def run_config(rng, run, outside):
    path = os.path.join(run, "config.json")
    return f"config.json: {_edit_json_file(rng, path)}"


def redirected(rng, run, outside):
    """The sidecar and config.json name folders beside the run (data_dir, out) and ask for downloads."""
    chosen = os.path.join(outside, "chosen", str(rng.randrange(100)))
    for path in (os.path.join(run, "config.json"), os.path.join(run, "checkpoints", rng.choice(SLOTS), "checkpoint.json")):
        if not _regular(path):
            continue
        try:
            with open(path) as file:
                document = json.load(file)
            document["config"].update({"data_dir": chosen, "download": True, "out": chosen,
                                       "dataset": rng.choice(["digits", "mnist", "fashion-mnist"])})
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
        with open(path, "w") as file:
            json.dump(document, file)
    return "data_dir, out and download point beside the run"


def metrics(rng, run, outside):
    path = os.path.join(run, "metrics.jsonl")
    if not _regular(path):
        return "no metrics"
    with open(path, "rb") as file:
        raw = file.read()
    label, raw = mutate_text(rng, raw)
    with open(path, "wb") as file:
        file.write(raw)
    return f"metrics.jsonl: {label}"


def safetensors_file(rng, run, outside):
    path = os.path.join(run, "checkpoints", rng.choice(SLOTS), rng.choice(FILES[1:]))
    if not _regular(path):
        return "not a file"
    with open(path, "rb") as file:
        data = file.read()
    try:
        labels, data = mutate_safetensors(rng, data)
    except (ValueError, UnicodeDecodeError):
        return "not safetensors"
    with open(path, "wb") as file:
        file.write(data)
    return f"{os.path.relpath(path, run)}: {', '.join(labels)}"


def hostile_weights(rng, run, outside):
    """A valid model.safetensors (checksum and all) of the wrong keys, shapes, dtypes or values."""
    path = os.path.join(run, "checkpoints", rng.choice(SLOTS), "model.safetensors")
    if not _regular(path):
        return "not a file"
    try:
        weights = cr.load(path)
    except (OSError, ValueError):
        return "unreadable"
    name = rng.choice(sorted(weights))
    kind = rng.choice(["nan", "inf", "transposed", "float64", "int", "extra", "missing", "huge", "empty"])
    array = weights[name]
    if kind in ("nan", "inf"):
        array.flat[rng.randrange(array.size)] = np.nan if kind == "nan" else -np.inf
    elif kind == "transposed":
        weights[name] = np.ascontiguousarray(array.T[..., None])
    elif kind == "float64":
        weights[name] = array.astype(np.float64)
    elif kind == "int":
        weights[name] = array.astype(np.int32)
    elif kind == "extra":
        weights["extra.weight"] = np.zeros(3, np.float32)
    elif kind == "missing":
        del weights[name]
    elif kind == "huge":
        weights[name] = np.full(array.shape, 3e38, np.float32)
    else:
        weights[name] = np.zeros((0,) + array.shape[1:], array.dtype)
    cr.save(weights, path)
    return f"model.safetensors: {kind} {name}"


def _state_leaves(node, prefix=()):
    if isinstance(node, dict):
        for key, child in node.items():
            yield (*prefix, key)
            yield from _state_leaves(child, (*prefix, key))
    elif isinstance(node, (list, tuple)):
        for index, child in enumerate(node):
            yield (*prefix, index)
            yield from _state_leaves(child, (*prefix, index))


STATE_VALUES = [np.zeros(3), np.zeros((2, 2), np.float32), np.array(np.nan), np.array([1, 2], np.int64),
                np.array(2 ** 40), np.float64(np.inf), np.int64(-1), (1, 2), {"x": 1}, {}, {0: 1}, [None]]


def hostile_training(rng, run, outside):
    """A valid training.safetensors whose optimizer, scheduler or loader state holds a
    value of the wrong type or range (save_state writes it faithfully)."""
    path = os.path.join(run, "checkpoints", rng.choice(SLOTS), "training.safetensors")
    if not _regular(path):
        return "not a file"
    try:
        state = load_state(path)
    except (OSError, ValueError):
        return "unreadable"
    paths = list(_state_leaves(state))
    *parents, last = rng.choice(paths)
    node = state
    for key in parents:
        node = node[key]
    if isinstance(node, tuple):
        return "a tuple"
    value = rng.choice(STATE_VALUES) if rng.random() < 0.3 else hostile_value(rng)
    if isinstance(value, Deep):
        value = [[[[]]]]  # a state holds no raw JSON text
    if rng.random() < 0.1 and isinstance(node, dict):
        del node[last]
    else:
        node[last] = value
    try:
        save_state(path, state)
    except (TypeError, ValueError):
        return "not storable"
    return f"training.safetensors: {[*parents, last]} = {str(value)[:40]}"


DAMAGES = [missing, directory_for_file, pipe, link_outside, slot_damage, no_permission, sidecar, sidecar_field,
           run_config, redirected, metrics, safetensors_file, safetensors_file, hostile_weights,
           hostile_training, hostile_training]
COMMANDS = ("eval", "predict", "resume")


def _apply(damage, rng, run, outside):
    """``damage`` the run, unless an earlier damage took what it needs (a file, a folder)."""
    try:
        return damage(rng, run, outside)
    except (OSError, shutil.Error) as exc:
        return f"{damage.__name__}: not done ({type(exc).__name__})"


def snapshot(top):
    """``{relative path: (kind, size, mtime, mode)}`` of everything under ``top``, links not followed."""
    found = {}
    for directory, folders, files in os.walk(top):
        for name in folders + files:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            found[os.path.relpath(path, top)] = (stat.S_IFMT(info.st_mode), info.st_size, info.st_mtime_ns,
                                                 stat.S_IMODE(info.st_mode))
    return found


def _writable(top):
    """Give every folder and file under ``top`` back its permissions, so it can be removed."""
    for directory, folders, files in os.walk(top):
        for name in folders + files:
            path = os.path.join(directory, name)
            if not os.path.islink(path):
                os.chmod(path, 0o700)


def _arguments(command, run, image):
    if command == "eval":
        return ["eval", run]
    if command == "predict":
        return ["predict", run, image]
    return ["train", "--resume", run, "--epochs", "3", "--checkpoint-every", "0", "--quiet"]


def _problems(result):
    """What is wrong with a CLI result (an empty list: nothing)."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return [f"{type(result.exception).__name__} escaped: {str(result.exception)[:300]}"]
    if result.exit_code == 0:
        return []
    problems = [] if result.exit_code in (1, 2) else [f"exit status {result.exit_code}"]
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    if len(errors) != 1:
        problems.append(f"{len(errors)} Error: lines")
    if "Traceback" in result.output:
        problems.append("a traceback")
    return problems


def run_case(cli, template, seed, index, work):
    rng = random.Random(f"runs:{seed}:{index}")
    case = os.path.join(work, "case")
    run, outside, image = os.path.join(case, "run"), os.path.join(case, "outside"), os.path.join(case, "digit.npy")
    shutil.copytree(template, run, symlinks=True)
    os.makedirs(outside)
    np.save(image, (np.eye(8, dtype=np.float32) * 16))
    labels = [_apply(damage, rng, run, outside) for damage in rng.sample(DAMAGES, rng.choice([1, 1, 2, 3]))]
    command = COMMANDS[index % 3]
    plot = command != "resume" or rng.random() < 0.1
    before_case, before_outside = snapshot(case), snapshot(outside)
    start = time.monotonic()
    signal.alarm(CASE_TIMEOUT)
    try:
        with _plots(plot):
            result = CliRunner().invoke(cli, _arguments(command, run, image))
        problems = _problems(result)
    except TimeoutError as exc:
        result, problems = None, [str(exc)]
    finally:
        signal.alarm(0)
    if snapshot(outside) != before_outside:
        problems.append("changed the folder beside the run")
    if command != "resume" and snapshot(case) != before_case:
        problems.append("eval/predict changed the run folder")
    if sorted(os.listdir(work)) != ["case"] or sorted(os.listdir(case)) != ["digit.npy", "outside", "run"]:
        problems.append(f"wrote beside the case: {sorted(os.listdir(work))}, {sorted(os.listdir(case))}")
    _writable(case)
    shutil.rmtree(case)
    if not problems:
        return []
    return [{"case": index, "command": command, "damage": labels, "problems": problems,
             "output": None if result is None else result.output[-600:], "seconds": round(time.monotonic() - start, 1)}]


class _plots:
    """Within the block, the curves are drawn only if ``draw``."""

    def __init__(self, draw):
        self.draw = draw

    def __enter__(self):
        from chainrule.train import plot

        self.module, self.saved = plot, plot.plot_curves
        if not self.draw:
            plot.plot_curves = lambda *args, **kwargs: None

    def __exit__(self, *exc):
        self.module.plot_curves = self.saved


def _timeout(signum, frame):
    raise TimeoutError(f"the case ran for more than {CASE_TIMEOUT} s")


def main(template, seed, first, count, work):
    limit_memory()
    signal.signal(signal.SIGALRM, _timeout)
    cli = build_cli()
    base = peak_mib()
    failures = []
    for index in range(first, first + count):
        failures += run_case(cli, template, seed, index, work)
    print(json.dumps({"cases": count, "failures": failures, "peak_mib": peak_mib() - base}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
