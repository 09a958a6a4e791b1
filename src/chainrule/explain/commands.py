"""The explain commands of the ``chainrule`` CLI: ``explain``, ``gradcheck`` and ``doctor``.

    chainrule explain "(x + y) * z" --set x=-2 y=5 z=-4 [--draw graph.svg]
    chainrule explain --example staged
    chainrule gradcheck --model mlp [--dataset digits]   (lenet5, cnn_bn: digits enlarged to 28x28)
    chainrule doctor --model mlp --dataset digits --lr 0.05

``COMMANDS`` lists them for the CLI group. Needs the ``cli`` extra (click).
"""
import functools
import os
import warnings

import click
import numpy as np

from ..train.builders import LOSSES, build_loss
from ..train.commands import reporting_errors
from ..train.config import DATASETS
from .examples import EXAMPLES, example
from .expression import ExpressionError, parse
from .graph import DIGITS



def _assignments(tokens):
    """{name: number} from tokens like ``x=-2`` (a token may hold several, comma-separated)."""
    values = {}
    for token in tokens:
        for item in filter(None, token.split(",")):
            name, sep, value = item.partition("=")
            if not sep or not name.strip():
                raise click.UsageError(f"expected name=value, got {item!r}")
            try:
                values[name.strip()] = float(value)
            except ValueError:
                raise click.UsageError(f"the value of {name.strip()!r} must be a number, got {value!r}") from None
    return values


def _draw(output, path, digits):
    """Draw ``output`` to ``path`` in the format its suffix names; say what was written."""
    from .draw import FORMAT_OF_SUFFIX, draw

    fmt = FORMAT_OF_SUFFIX.get(os.path.splitext(path)[1].lower())
    if fmt is None:
        raise click.UsageError(f"--draw: {path!r} must end in .svg, .png or .dot")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draw(output, path, format=fmt, digits=digits)
    for w in caught:
        click.echo(str(w.message), err=True)
    if not caught:
        click.echo(f"wrote {path}")


@click.command("explain")
@click.argument("expression", required=False)
@click.argument("more_values", nargs=-1, metavar="[NAME=VALUE]...")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Values of the expression's names: --set x=-2 y=5 z=-4 (or x=-2,y=5).")
@click.option("--example", "example_name", type=click.Choice(list(EXAMPLES)),
              help="A built-in worked example instead of an expression.")
@click.option("--draw", "draw_path", metavar="PATH", help="Also draw the circuit (.svg, .png or .dot).")
@click.option("--digits", type=click.IntRange(1, 17), default=DIGITS, show_default=True,
              help="Significant digits of the numbers shown (17: every digit of a float64).")
def explain_command(expression, more_values, settings, example_name, draw_path, digits):
    """Run EXPRESSION forward and backward and print every step with its numbers.

    EXPRESSION is arithmetic over named scalars: + - * / **, unary minus, exp, log, sqrt,
    tanh, sin, cos, sigmoid, relu, abs (one argument), max, min (two). It is parsed safely (never
    evaluated as Python).
    """
    if (expression is None) == (example_name is None):
        raise click.UsageError("give an EXPRESSION or --example NAME (one of them)")
    if example_name is not None:
        if settings or more_values:
            raise click.UsageError("--example takes no values")
        ex = example(example_name, digits=digits)
        click.echo(str(ex))
        output = ex.output
    else:
        try:
            # after "--" (an expression starting with "-") click passes "--set" on as a value
            tokens = settings + tuple(t for t in more_values if t != "--set")
            output = parse(expression).evaluate(_assignments(tokens))
        except ExpressionError as exc:
            raise click.ClickException(f"cannot read the expression: {exc}") from None
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        from .trace import trace

        with np.errstate(all="ignore"):  # inf and nan show in the trace (and the warning below)
            click.echo(str(trace(output, digits=digits)))
        if not np.isfinite(output.item()):
            click.echo(f"warning: the expression evaluates to {output.item()}", err=True)
    if draw_path:
        _draw(output, draw_path, digits)


def _hidden(text):
    if text is None:
        return None
    try:
        return tuple(int(n) for n in text.split(",") if n.strip())
    except ValueError:
        raise click.UsageError(f"--hidden takes sizes like 30 or 100,50, got {text!r}") from None


def _setup(model_name, dataset, data_dir, hidden, seed):
    """``(train_set, model)`` built as ``chainrule train`` builds them. A model made for
    28x28 images (LeNet-5, cnn_bn) gets the 8x8 digits enlarged to 28x28, saying so (these
    checks need no particular data); a model that takes neither gets the clear error that
    ``chainrule train`` gives."""
    from ..random import manual_seed
    from ..train.builders import build_model, input_shape_of, load_datasets
    from ..train.config import ConfigError, TrainConfig

    manual_seed(seed)
    train_set, _ = load_datasets(TrainConfig(dataset=dataset, data_dir=data_dir))
    input_shape, num_classes = input_shape_of(dataset)
    try:
        return train_set, build_model(model_name, input_shape, num_classes, _hidden(hidden))
    except ConfigError as exc:
        if dataset != "digits":
            raise
        error = exc
    mnist_shape, _ = input_shape_of("mnist")
    manual_seed(seed)
    try:
        model = build_model(model_name, mnist_shape, num_classes, _hidden(hidden))
    except ConfigError:
        raise error from None
    train_set.transform = functools.partial(_enlarged, shape=mnist_shape)
    (_, h, w), (_, big_h, big_w) = input_shape, mnist_shape
    click.echo(f"model {model_name!r} takes {big_h}x{big_w} images: the {h}x{w} digits are scaled "
               f"up {big_h // h}x and zero-padded to {big_h}x{big_w} (these checks need no particular data)")
    return train_set, model


def _enlarged(image, shape):
    """``image`` (C, h, w) scaled up by a whole factor per axis (each pixel a block, ``np.kron``)
    and zero-padded evenly on both sides to ``shape`` (C, H, W)."""
    _, h, w = image.shape
    _, big_h, big_w = shape
    blocks = np.kron(image, np.ones((1, big_h // h, big_w // w), dtype=image.dtype))
    pad_h, pad_w = big_h - blocks.shape[1], big_w - blocks.shape[2]
    return np.pad(blocks, ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2)))


def _model_options(command):
    for option in reversed([
        click.option("--model", "model_name", required=True, help="A model of chainrule.models."),
        click.option("--dataset", type=click.Choice(DATASETS), default="digits", show_default=True),
        click.option("--data-dir", type=click.Path(file_okay=False), default=None,
                     help="Directory of the MNIST / Fashion-MNIST files."),
        click.option("--hidden", default=None, help="Hidden layer sizes, e.g. 30 or 100,50."),
        click.option("--loss", type=click.Choice(list(LOSSES)), default="cross-entropy", show_default=True),
        click.option("--seed", type=int, default=0, show_default=True),
    ]):
        command = option(command)
    return command


@click.command("gradcheck")
@_model_options
@click.option("--batch", type=int, default=4, show_default=True, help="Examples in the checked batch.")
@click.pass_context
@reporting_errors
def gradcheck_command(ctx, model_name, dataset, data_dir, hidden, loss, seed, batch):
    """Check every parameter's gradient against finite differences (float64)."""
    from ..tensor import Tensor
    from .gradcheck import gradcheck_model

    train_set, model = _setup(model_name, dataset, data_dir, hidden, seed)
    images, labels = zip(*(train_set[i] for i in range(batch)))
    inputs = Tensor(np.stack([np.asarray(getattr(im, "data", im)) for im in images]))
    targets = Tensor(np.array([int(getattr(y, "data", y)) for y in labels]))
    report = gradcheck_model(model, inputs, targets, build_loss(loss), seed=seed)
    click.echo(str(report))
    ctx.exit(0 if report.ok else 1)


@click.command("doctor")
@_model_options
@click.option("--lr", type=float, default=0.01, show_default=True, help="The learning rate you plan to use.")
@click.option("--optimizer", type=click.Choice(["sgd", "adam"]), default="sgd", show_default=True)
@click.option("--batch-size", type=int, default=64, show_default=True)
@click.pass_context
@reporting_errors
def doctor_command(ctx, model_name, dataset, data_dir, hidden, loss, seed, lr, optimizer, batch_size):
    """Sanity checks before a long run: initial loss, overfitting 20 examples,
    update-to-weight ratio and gradient health, each with its number."""
    from .. import optim
    from ..data import DataLoader
    from .doctor import doctor

    train_set, model = _setup(model_name, dataset, data_dir, hidden, seed)
    cls = optim.SGD if optimizer == "sgd" else optim.Adam
    report = doctor(model, DataLoader(train_set, batch_size=batch_size), build_loss(loss),
                    optimizer=lambda params: cls(params, lr=lr), verbose=True)
    click.echo("result: " + ("PASS" if report.ok else "FAIL"))
    ctx.exit(0 if report.ok else 1)


COMMANDS = [explain_command, gradcheck_command, doctor_command]
