"""Training checkpoints: one directory per checkpoint, replaced as a whole (``slots``).

    model.safetensors     the weights: PyTorch key names and layouts, {"format": "pt"}
                          (``safetensors.torch.load_file`` + ``load_state_dict`` work in PyTorch)
    training.safetensors  optimizer, scheduler and data-loader state
    checkpoint.json       the sidecar: config, model description, epoch, step, history and
                          running sums (``TrainState``), the random generator's state,
                          thread counts and versions; written last, it marks the checkpoint
                          complete

Everything needed to continue a run exactly is saved: the weights, the optimizer's and the
scheduler's state, the data order and position in the epoch, and the random generator.
"""
import json
import math
import os

import numpy as np

from .. import random as cr_random
from ..distributed import DistributedDataParallel
from ..io import CheckpointError, atomic_write_text, load_arrays, load_state, open_regular, save, save_state, tensor_infos
from .callbacks import Callback
from .config import ConfigError, TrainConfig
from .loop import NonFiniteLossError, TrainState
from .rundir import CHECKPOINTS_DIR, environment
from .slots import find_slot, write_slot

MODEL_FILE = "model.safetensors"
MAX_SIDECAR_BYTES = 4 << 20  # a run's sidecar is a few KB, plus ~200 bytes per epoch of history
TRAINING_FILE = "training.safetensors"
SIDECAR_FILE = "checkpoint.json"
FORMAT = "chainrule.checkpoint/1"
SLOTS = ("best", "last")


def save_checkpoint(run_dir, slot, run, description):
    """Write the checkpoint ``run_dir/checkpoints/slot`` of the ``TrainingRun`` ``run``.

    ``description``: the JSON-ready dict saved as is (config and model description).
    Refuses to save weights that are not finite (a NaN would overwrite the last good state).
    """
    model = run.model.module if isinstance(run.model, DistributedDataParallel) else run.model
    weights = model.state_dict()  # the module's own names, whatever the number of processes
    bad = [name for name, array in weights.items()
           if array.dtype.kind == "f" and not np.isfinite(array).all()]
    if bad:
        raise NonFiniteLossError(
            f"training stopped: weights {', '.join(bad)} hold NaN or Inf after step "
            f"{run.state.step}; the last good checkpoint was kept. Try a smaller learning rate.")
    sidecar = {"format": FORMAT, **description, "state": run.state.to_dict(),
               "rng": cr_random.get_rng_state(), "environment": environment()}
    training = {
        "optimizer": run.optimizer.state_dict(),
        "scheduler": None if run.scheduler is None else run.scheduler.state_dict(),
        "loader": run.train_loader.state_dict(),
    }

    def write_files(directory):
        save(weights, os.path.join(directory, MODEL_FILE))
        save_state(os.path.join(directory, TRAINING_FILE), training)
        atomic_write_text(os.path.join(directory, SIDECAR_FILE), json.dumps(sidecar, indent=1))

    write_slot(os.path.join(run_dir, CHECKPOINTS_DIR), slot, SIDECAR_FILE, write_files)


class Checkpoint:
    """A checkpoint on disk: ``directory``, ``sidecar`` (the parsed checkpoint.json), ``state``
    (``TrainState``), ``input_shape`` (C, H, W) and ``classes`` (names) of the model's data,
    ``rng`` (the random generator's state), ``blas_threads`` (the run's BLAS thread count, None if unknown); ``model_state()``,
    ``training_state()`` and ``build_model()`` read the files. Every field of the sidecar is
    validated here: a bad one raises ``CheckpointError`` naming the file and the key."""

    def __init__(self, directory):
        self.directory = directory
        path = os.path.join(directory, SIDECAR_FILE)
        try:
            with open_regular(path, "r", encoding="utf-8") as file:
                size = os.fstat(file.fileno()).st_size
                if size > MAX_SIDECAR_BYTES:
                    raise CheckpointError(path, f"the sidecar is {size} bytes, more than the "
                                                f"{MAX_SIDECAR_BYTES} a checkpoint's can be")
                sidecar = json.load(file)
        except (OSError, ValueError, RecursionError) as exc:
            raise CheckpointError(path, f"cannot read the sidecar ({exc})") from None
        if not isinstance(sidecar, dict) or sidecar.get("format") != FORMAT:
            raise CheckpointError(path, f"not a chainrule training checkpoint (format {FORMAT})")
        problems = []
        self.state = _parsed(sidecar, "state", TrainState.from_dict, problems)
        model = _parsed(sidecar, "model", _model_description, problems) or {}
        self.input_shape, self.classes = model.get("input_shape"), model.get("classes")
        self.rng = _parsed(sidecar, "rng", _generator_state, problems)
        self.blas_threads = _parsed(sidecar, "environment", _blas_threads, problems, missing={})
        try:
            self._config = TrainConfig.from_mapping(sidecar["config"], path)
        except KeyError:
            problems.append("missing key 'config'")
        except ConfigError as exc:
            problems.append(f"key 'config': {exc}")
        if not problems:
            problems = self._declared_size_problems()
        if problems:
            raise CheckpointError(path, [f"invalid sidecar: {problem}" for problem in problems])
        self.sidecar = sidecar

    def _declared_size_problems(self):
        """The model the sidecar declares is built before its weights are read, so it must be
        the one its own dataset takes, with no layer wider than the weights file holds: a few
        bytes of JSON cannot make eval, predict or resume allocate gigabytes."""
        from .builders import input_shape_of

        dataset = self._config.dataset
        shape, num_classes = input_shape_of(dataset)
        problems = []
        if self.input_shape != shape:
            problems.append(f"key 'model': input_shape {list(self.input_shape)} is not {dataset}'s {list(shape)}")
        if len(self.classes) != num_classes:
            problems.append(f"key 'model': {len(self.classes)} classes, {dataset} has {num_classes}")
        try:
            infos = tensor_infos(os.path.join(self.directory, MODEL_FILE))
        except FileNotFoundError:
            return problems  # reported as an incomplete checkpoint when the weights are read
        widest = max((max(info.shape, default=0) for info in infos.values()), default=0)
        if self._config.hidden and max(self._config.hidden) > widest:
            problems.append(f"key 'config': hidden {list(self._config.hidden)} declares a layer wider "
                            f"than any tensor in {MODEL_FILE} (the widest dimension there is {widest})")
        return problems

    def config(self):
        """The run's ``TrainConfig``."""
        return self._config

    def build_model(self):
        """The run's model with these weights (in training mode)."""
        from .builders import build_model

        config = self._config
        model = build_model(config.model, self.input_shape, len(self.classes), config.hidden)
        model.load_state_dict(self.model_state(model.state_dict()))
        return model

    def model_state(self, expected=None):
        """The weights as ``{name: ndarray}`` (checked against ``expected`` if given); a
        weight with a NaN or infinite value is refused: it would predict ``nan%``."""
        state = self._read(load_arrays, MODEL_FILE, expected)
        broken = [name for name, array in state.items()
                  if array.dtype.kind == "f" and not np.isfinite(array).all()]
        if broken:
            raise CheckpointError(os.path.join(self.directory, MODEL_FILE),
                                  [f"tensor {name!r} holds NaN or infinite values" for name in broken])
        return state

    def training_state(self):
        """``{"optimizer", "scheduler", "loader"}`` as saved."""
        return self._read(load_state, TRAINING_FILE)

    def _read(self, read, name, *args):
        path = os.path.join(self.directory, name)
        try:
            return read(path, *args)
        except FileNotFoundError:
            raise CheckpointError(path, f"missing: the checkpoint {self.directory} is incomplete") from None


def _parsed(sidecar, key, parse, problems, missing=None):
    """``parse(sidecar[key])``, or None after adding to ``problems`` what is wrong with it.
    A missing key is a problem, unless ``missing`` gives the value that stands for it."""
    if key not in sidecar and missing is None:
        problems.append(f"missing key {key!r}")
        return None
    try:
        return parse(sidecar.get(key, missing))
    except ValueError as exc:
        problems.append(f"key {key!r}: {exc}")
        return None


def _model_description(model):
    """``{"input_shape": (C, H, W), "classes": [names]}`` from the sidecar's ``model``."""
    shape = model.get("input_shape") if isinstance(model, dict) else None
    classes = model.get("classes") if isinstance(model, dict) else None
    if not (isinstance(shape, list) and len(shape) == 3
            and all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in shape)):
        raise ValueError(f"'input_shape' must be a list of 3 positive integers (C, H, W), got {shape!r}")
    if not (isinstance(classes, list) and classes and all(isinstance(c, str) for c in classes)):
        raise ValueError(f"'classes' must be a non-empty list of names, got {classes!r}")
    return {"input_shape": tuple(shape), "classes": list(classes)}


def _generator_state(state):
    """``state`` as the generator it describes reports it, if ``chainrule.random.set_rng_state``
    accepts it (ValueError naming the problem otherwise)."""
    return cr_random.generator_from_state(state).bit_generator.state


def _blas_threads(environment):
    """The BLAS thread count the run used (None: unknown)."""
    if isinstance(environment, dict):
        threads = environment.get("blas_threads")
        if threads is None or (isinstance(threads, int) and not isinstance(threads, bool) and threads > 0):
            return threads
    raise ValueError(f"expected an object whose 'blas_threads' is a positive integer or null, "
                     f"got {environment!r}")


def open_checkpoint(path, slot=None):
    """The ``Checkpoint`` at ``path``: a checkpoint directory, a file in one, or a run
    directory (its ``slot``; by default ``best``, else ``last``)."""
    path = os.fspath(path)
    if os.path.isfile(path):
        path = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(path):
        raise CheckpointError(path, "no such checkpoint or run directory")
    if os.path.isfile(os.path.join(path, SIDECAR_FILE)):
        return Checkpoint(path)
    checkpoints = os.path.join(path, CHECKPOINTS_DIR)
    for name in (slot,) if slot else SLOTS:
        found = find_slot(checkpoints, name, SIDECAR_FILE)
        if found is not None:
            return Checkpoint(found)
    wanted = slot or " or ".join(SLOTS)
    raise CheckpointError(path, f"no {wanted} checkpoint here (expected {SIDECAR_FILE}, or a run "
                                f"directory with {CHECKPOINTS_DIR}/{wanted}/{SIDECAR_FILE})")


class Checkpointer(Callback):
    """Saves ``last`` at each epoch end (and every ``every_steps`` steps when > 0), and
    before it ``best`` when the epoch's ``monitor`` metric beats every earlier epoch."""

    def __init__(self, run_dir, description, every_steps=0, monitor="test_acc"):
        self.run_dir, self.description = run_dir, description
        self.every_steps, self.monitor = every_steps, monitor

    def on_step_end(self, run):
        if self.every_steps and run.state.step % self.every_steps == 0:
            save_checkpoint(self.run_dir, "last", run, self.description)

    def on_epoch_end(self, run, record):
        # best first: once last says the epoch is done, a resume never redoes it, so a kill
        # between the two saves must not be able to lose best (a kill after best and before
        # last redoes the epoch from the previous last and saves the same best again)
        earlier = [r[self.monitor] for r in run.state.history[:-1] if self.monitor in r]
        if self.monitor in record and record[self.monitor] > max(earlier, default=-math.inf):
            save_checkpoint(self.run_dir, "best", run, self.description)
        save_checkpoint(self.run_dir, "last", run, self.description)
