"""The training subcommands of ``chainrule``: train, eval, predict, summary (Click)."""
import functools

import click
import numpy as np
from click.core import ParameterSource

from .. import models
from ..autograd import AnomalyError
from ..data import DataError
from ..io import CheckpointError
from ..ops.softmax import softmax_array
from .checkpoint import open_checkpoint
from .config import DATASETS, ConfigError, TrainConfig, option_fields, read_config_file
from .images import ImageError, load_image
from .loop import NonFiniteLossError, evaluate
from .metrics import confusion_matrix, format_confusion_matrix, per_class_accuracy
from .rundir import RunDirError
from .runner import resume_run, start_run

CLEAR_ERRORS = (AnomalyError, CheckpointError, ConfigError, DataError, ImageError,
                NonFiniteLossError, RunDirError, ImportError)
_CLICK_TYPES = {"int": click.INT, "float": click.FLOAT, "str": click.STRING,
                "path": click.Path(), "ints": click.STRING}


def reporting_errors(command):
    """Turn the library's clear errors into ``Error: message`` and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except CLEAR_ERRORS as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def _train_options(command):
    """One option per ``TrainConfig`` field: ``--batch-size`` for ``batch_size``..."""
    for field in reversed(option_fields()):
        meta = field.metadata
        flag = "--" + field.name.replace("_", "-")
        help_text = meta["help"] + ("" if field.default is None else f" [default: {field.default}]")
        if field.name == "model":
            help_text = f"Model: {', '.join(sorted(models.MODELS))}. [default: {field.default}]"
        if meta["kind"] == "bool":
            option = click.option(flag, field.name, is_flag=True, help=meta["help"])
        else:
            kind = click.Choice(meta["choices"]) if meta["choices"] else _CLICK_TYPES[meta["kind"]]
            option = click.option(flag, field.name, type=kind, help=help_text)
        command = option(command)
    return command


@click.command()
@_train_options
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="TOML file with any of these options (flags override it).")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False),
              help="Continue the run in this directory from its last checkpoint.")
@click.pass_context
@reporting_errors
def train(ctx, config_file, resume_dir, **options):
    """Train a model; with no options, an MLP on the embedded 8x8 digits (a few seconds)."""
    given = {name: value for name, value in options.items()
             if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE}
    if resume_dir is not None:
        if config_file is not None:
            raise ConfigError("--resume uses the run's own config; drop --config")
        result = resume_run(resume_dir, given, echo=click.echo)
    else:
        config = TrainConfig()
        if config_file is not None:
            config = TrainConfig.from_mapping(read_config_file(config_file), f"config file {config_file}")
        result = start_run(config.replace(**given), echo=click.echo)
    epochs = len(result.history)
    click.echo(f"test accuracy {100 * result.test_acc:.2f}% after {epochs} epoch{'' if epochs == 1 else 's'}; "
               f"run directory: {result.run_dir}")


@click.command("eval")
@click.argument("checkpoint", type=click.Path())
@click.option("--dataset", type=click.Choice(DATASETS), help="Default: the run's dataset.")
@click.option("--data-dir", type=click.Path(), help="Folder with the IDX files.")
@reporting_errors
def eval_command(checkpoint, dataset, data_dir):
    """Accuracy, per-class accuracy and confusion matrix of CHECKPOINT on a test set.

    CHECKPOINT: a run directory (its best checkpoint), a checkpoint directory or a file in one.
    """
    from .builders import build_loss, input_shape_of, load_datasets

    saved = open_checkpoint(checkpoint)
    config = saved.config()
    config = config.replace(dataset=dataset or config.dataset, data_dir=data_dir or config.data_dir)
    if input_shape_of(config.dataset)[0] != saved.input_shape:
        raise ConfigError(f"{saved.directory} takes images of shape {saved.input_shape}, not "
                          f"{config.dataset}'s {input_shape_of(config.dataset)[0]}")
    from ..data import DataLoader

    _, test_set = load_datasets(config)
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
@click.option("--top", default=3, show_default=True, type=click.IntRange(1), help="Classes shown.")
@reporting_errors
def predict(checkpoint, images, invert, top):
    """Classify IMAGES (PNG, JPEG or NPY) with CHECKPOINT; print the top classes."""
    saved = open_checkpoint(checkpoint)
    model = saved.build_model().eval()
    size = tuple(saved.input_shape[1:])
    batch = np.stack([load_image(path, size, invert) for path in images])
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
@click.option("--model", "model_name", default="mlp", show_default=True,
              help=f"Model: {', '.join(sorted(models.MODELS))}.")
@click.option("--dataset", type=click.Choice(DATASETS), default="mnist", show_default=True,
              help="Dataset whose input shape the model takes.")
@click.option("--hidden", help="Hidden layer sizes of an MLP (e.g. 100 or 128,64).")
@reporting_errors
def summary(model_name, dataset, hidden):
    """Print a model's layers, output shapes and parameter counts."""
    from .. import summary as model_summary
    from .builders import build_model, input_shape_of

    config = TrainConfig(model=model_name, dataset=dataset, hidden=hidden)
    shape, classes = input_shape_of(config.dataset)
    model = build_model(config.model, shape, classes, config.hidden)
    click.echo(str(model_summary(model, shape, verbose=False)))


COMMANDS = [train, eval_command, predict, summary]
