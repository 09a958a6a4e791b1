"""The training subcommands of ``chainrule``: train, eval, predict, summary (Click)."""
import contextlib
import functools
import os

import click
import numpy as np
from click.core import ParameterSource

from .. import models
from ..cli_types import Number
from ..autograd import AnomalyError
from ..data import DataError
from ..io import CheckpointError
from ..ops.softmax import softmax_array
from .checkpoint import open_checkpoint
from .config import (DATASET_RECIPES, DATASETS, RECIPES, ConfigError, TrainConfig, config_file_options,
                     option_fields)
from .images import ImageError, load_image
from . import parallel
from .interrupt import TrainingInterrupted
from .loop import NonFiniteLossError, evaluate
from .metrics import confusion_matrix, format_confusion_matrix, per_class_accuracy
from .parallel import check_world, launched_by_mpi, relaunch
from .rundir import RunDirError
from .runner import resume_run, start_run

CLEAR_ERRORS = (AnomalyError, CheckpointError, ConfigError, DataError, ImageError,
                NonFiniteLossError, RunDirError, ImportError)
_CLICK_TYPES = {"str": click.STRING, "path": click.Path(), "ints": click.STRING}


def reporting_errors(command):
    """Turn the library's clear errors into ``Error: message`` and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except CLEAR_ERRORS as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def train_option(name, help=None):
    """The click option of the ``TrainConfig`` field ``name`` (``--batch-size`` for
    ``batch_size``), with its help text (or ``help``), choices and type; its value is
    checked when the config is built."""
    field = next(f for f in option_fields() if f.name == name)
    meta = field.metadata
    flag = "--" + name.replace("_", "-")
    if meta["kind"] == "bool":  # --no-quiet: a resumed run can turn a flag off again
        return click.option(f"{flag}/--no-{flag[2:]}", name, default=False, help=help or meta["help"])
    recipes = (*RECIPES.values(), *DATASET_RECIPES.values())
    recipe = ", or the model's recipe" if any(name in r for r in recipes) else ""
    help_text = help or meta["help"]
    if name == "model":
        help_text = f"Model: {', '.join(sorted(models.MODELS))}."
    help_text += "" if field.default is None else f" [default: {field.default}{recipe}]"
    if meta["choices"]:
        kind = click.Choice(meta["choices"])
    elif meta["kind"] in ("int", "float"):  # a bad value says the range: one check for every command
        kind = Number(int if meta["kind"] == "int" else float, meta["minimum"])
    else:
        kind = _CLICK_TYPES[meta["kind"]]
    return click.option(flag, name, type=kind, default=field.default, help=help_text)


def _train_options(command):
    """One option per ``TrainConfig`` field."""
    for field in reversed(option_fields()):
        command = train_option(field.name)(command)
    return command


def _command_line_args(ctx, leave_out):
    """The options given on the command line, as arguments again (less ``leave_out``)."""
    args = [ctx.info_name]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if param.name == leave_out or ctx.get_parameter_source(param.name) is not ParameterSource.COMMANDLINE:
            continue
        args += [param.opts[0]] if getattr(param, "is_flag", False) else [param.opts[0], str(value)]
    return args


def _nproc_option(command):
    """``--nproc N``: relaunch the command on N processes through mpiexec. In a process an
    MPI launcher started, any error ends every rank, and ranks other than 0 print nothing."""

    @functools.wraps(command)
    def wrapper(*args, nproc=None, timeout=STALL_TIMEOUT_S, **kwargs):
        if not launched_by_mpi():
            if nproc is not None and nproc > 1:
                ctx = click.get_current_context()
                ctx.exit(relaunch(nproc, _command_line_args(ctx, leave_out="nproc")))
            return command(*args, **kwargs)
        from ..distributed import is_main, world_size
        from ..distributed.watchdog import watch
        from ..distributed.world import abort_on_error

        with contextlib.ExitStack() as stack:
            # click's Exit: the status of a signal that stopped every rank together (train)
            stack.enter_context(abort_on_error((click.ClickException, *CLEAR_ERRORS), (click.exceptions.Exit,)))
            if not is_main():
                stack.enter_context(contextlib.redirect_stdout(stack.enter_context(open(os.devnull, "w"))))
            check_world(nproc)
            if world_size() > 1 and timeout > 0:
                stack.enter_context(watch(timeout))
            return command(*args, **kwargs)

    timeout_option = click.option("--timeout", type=Number(float, 0, 86_400), default=STALL_TIMEOUT_S,
                                  show_default=True, help=(
        "On several processes: a process that finishes no exchange with the others for this many "
        "seconds is reported and every process ends (0: wait forever)."))
    return click.option("--nproc", type=Number(int, 1), help=(
        "Train on N processes, started through mpiexec (the mpi extra); each takes its share "
        "of every batch. Not needed under mpiexec or srun."))(timeout_option(reporting_errors(wrapper)))


STALL_TIMEOUT_S = 300  # longer than any step, evaluation or checkpoint between two exchanges



@click.command()
@_train_options
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="TOML file with any of these options (flags override it).")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False),
              help="Continue the run in this directory from its last checkpoint.")
@_nproc_option
@click.pass_context
@reporting_errors
def train(ctx, config_file, resume_dir, **options):
    """Train a model; with no options, an MLP on the embedded 8x8 digits (a few seconds).

    Each model trains with its recipe for the dataset (e.g. lenet5: SGD lr 0.05, momentum
    0.9, cosine, batch 64, 10 epochs), printed at the start, where no option or --config says
    otherwise. Ctrl-C saves the interrupted step; --resume RUN continues it.
    """
    given = given_options(ctx, options)
    try:
        if resume_dir is not None:
            if config_file is not None:
                raise ConfigError("--resume uses the run's own config; drop --config")
            result = resume_run(resume_dir, given, echo=click.echo)
        else:
            config, taken = train_config(config_file, given)
            result = start_run(config, echo=click.echo, recipe=taken)
    except TrainingInterrupted as exc:  # Ctrl-C or SIGTERM: the shell's status for that signal
        if parallel.active() and not exc.saved:  # one rank stopped mid-step: end them all
            from ..distributed.world import abort

            abort(str(exc), 128 + exc.signal_number)
        if parallel.writes_files():  # every rank stopped at the same step; rank 0 says so
            click.echo(str(exc), err=True)
        ctx.exit(128 + exc.signal_number)
    epochs = len(result.history)
    click.echo(f"test accuracy {100 * result.test_acc:.2f}% after {epochs} epoch{'' if epochs == 1 else 's'}; "
               f"run directory: {result.run_dir}")


def given_options(ctx, options):
    """The options of ``options`` that were typed on the command line."""
    return {name: value for name, value in options.items()
            if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE}


def train_config(config_file, given):
    """``(TrainConfig, options taken from the model's recipe)`` of a new run: the recipe,
    then the ``config_file`` (or None), then the ``given`` command-line options."""
    chosen = {} if config_file is None else config_file_options(config_file)
    return TrainConfig.with_recipe(**{**chosen, **given})


@click.command("eval")
@click.argument("checkpoint", type=click.Path())
@click.option("--dataset", type=click.Choice(DATASETS), help="Default: the run's dataset.")
@click.option("--data-dir", type=click.Path(), help="Folder with the IDX files (only the test "
              "files are read). Default: the cache (never a folder the checkpoint names).")
@reporting_errors
def eval_command(checkpoint, dataset, data_dir):
    """Accuracy, per-class accuracy and confusion matrix of CHECKPOINT on a test set.

    CHECKPOINT: a run directory (its best checkpoint), a checkpoint directory or a file in one.
    """
    from .builders import build_loss, input_shape_of, load_split

    saved = open_checkpoint(checkpoint)
    # what touches the file system or the network comes from the command line, never from the
    # file being evaluated: its download and data_dir are ignored
    config = saved.config()
    config = config.replace(download=False, data_dir=data_dir, dataset=dataset or config.dataset)
    if input_shape_of(config.dataset)[0] != saved.input_shape:
        raise ConfigError(f"{saved.directory} takes images of shape {saved.input_shape}, not "
                          f"{config.dataset}'s {input_shape_of(config.dataset)[0]}")
    from ..data import DataLoader

    test_set = load_split(config, train=False, has_download=False)
    result = evaluate(saved.build_model(), build_loss(config.loss), DataLoader(test_set, 1000))
    classes = saved.classes
    matrix = confusion_matrix(result.targets, result.predictions, len(classes))
    click.echo(f"{saved.directory} on {config.dataset} test set ({len(result.targets)} images)")
    click.echo(f"accuracy {100 * result.accuracy:.2f}%  loss {result.loss:.4f}")
    click.echo("per-class accuracy:")
    for name, accuracy in zip(classes, per_class_accuracy(matrix)):
        click.echo(f"  {name:>12}  {100 * accuracy:6.2f}%")
    click.echo("confusion matrix (rows: true class, columns: predicted class):")
    click.echo(format_confusion_matrix(matrix, [name.split(" ")[0] for name in classes]))


@click.command()
@click.argument("checkpoint", type=click.Path())
@click.argument("images", nargs=-1, required=True, type=click.Path())
@click.option("--invert/--no-invert", default=None,
              help="Invert the gray levels (default: when an image has a light border).")
@click.option("--top", default=3, show_default=True, type=Number(int, 1), help="Classes shown.")
@reporting_errors
def predict(checkpoint, images, invert, top):
    """Classify IMAGES (PNG, JPEG, BMP, GIF or NPY) with CHECKPOINT; print the top classes."""
    saved = open_checkpoint(checkpoint)
    model = saved.build_model().eval()
    size = tuple(saved.input_shape[1:])
    batch = np.stack([load_image(path, size, invert) for path in images])
    for path, image in zip(images, batch):
        if np.ptp(image) == 0:  # a model answers anyway, often with confidence
            click.echo(f"warning: {path} is blank (every pixel {image.flat[0]:g}): its prediction "
                       "means nothing", err=True)
    from ..autograd import no_grad
    from ..tensor import Tensor

    with no_grad():
        outputs = model(Tensor(batch))._data.astype(np.float64)
    if saved.config().loss == "cross-entropy":
        probabilities = softmax_array(outputs, 1)
    else:  # sigmoid outputs of the quadratic cost: normalised to sum to 1
        probabilities = outputs / outputs.sum(axis=1, keepdims=True)
    for path, row in zip(images, probabilities):
        best = np.argsort(-row, kind="stable")[:top]
        ranked = ", ".join(f"{saved.classes[k]} ({100 * row[k]:.1f}%)" for k in best)
        click.echo(f"{path}: {ranked}")


@click.command()
@train_option("model")
@train_option("dataset", help="Dataset whose input shape the model takes (as in train; a model "
                              "that needs 28x28 images gets mnist's).")
@train_option("hidden")
@click.pass_context
@reporting_errors
def summary(ctx, **options):
    """Print a model's layers, output shapes and parameter counts."""
    from .. import summary as model_summary
    from .builders import build_model, input_shape_of

    config = TrainConfig(**given_options(ctx, options))
    try:
        shape, classes = input_shape_of(config.dataset)
        model = build_model(config.model, shape, classes, config.hidden)
    except ConfigError:
        if "dataset" in given_options(ctx, options):
            raise
        config = config.replace(dataset="mnist")  # the default digits are too small for it
        shape, classes = input_shape_of(config.dataset)
        model = build_model(config.model, shape, classes, config.hidden)
        click.echo(f"model {config.model!r} takes 28x28 images: shown for --dataset mnist")
    click.echo(str(model_summary(model, shape, verbose=False)))


COMMANDS = [train, eval_command, predict, summary]
