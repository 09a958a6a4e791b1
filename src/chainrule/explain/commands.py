"""The explain commands of the ``chainrule`` CLI: ``explain``, ``gradcheck`` and ``doctor``.

    chainrule explain "(x + y) * z" --set x=-2 y=5 z=-4 [--draw graph.svg]
    chainrule explain --example staged
    chainrule gradcheck --model mlp [--dataset digits]   (lenet5, cnn_bn: digits enlarged to 28x28)
    chainrule doctor --model mlp --dataset digits --lr 0.05

``COMMANDS`` lists them for the CLI group. Needs the ``cli`` extra (click).
"""
import functools
import os
import re
import warnings

import click
import numpy as np

from ..cli_types import Number
from ..train.builders import build_loss
from ..train.commands import given_options, reporting_errors, train_option
from ..train.config import TrainConfig
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
                raise click.UsageError(f"--set: expected name=value, got {item!r}")
            try:
                values[name.strip()] = float(value)
            except ValueError:
                raise click.UsageError(f"--set: the value of {name.strip()!r} must be a number, got {value!r}") from None
    return values


def _draw_format(path):
    """The format of the ``--draw`` path, checked before anything is computed."""
    from .draw import FORMAT_OF_SUFFIX

    fmt = FORMAT_OF_SUFFIX.get(os.path.splitext(path)[1].lower())
    if fmt is None:
        raise click.UsageError(f"--draw: {path!r} must end in .svg, .png or .dot")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise click.UsageError(f"--draw: {path!r}: the folder {folder} does not exist")
    return fmt


def _draw(output, path, fmt, digits):
    """Draw ``output`` to ``path`` in the format ``fmt``; say what was written."""
    from .draw import DrawError, draw

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            draw(output, path, format=fmt, digits=digits)
        except OSError as exc:
            raise click.ClickException(f"--draw {path}: cannot write it ({exc.strerror or exc})") from None
        except (DrawError, ValueError) as exc:  # too large a graph, Graphviz failing or too slow
            raise click.ClickException(f"--draw {path}: {str(exc).removeprefix('draw: ')}") from None
    for w in caught:
        click.echo(str(w.message), err=True)
    if not caught:
        click.echo(f"wrote {path}")


class _ExpressionCommand(click.Command):
    """A first argument that starts with '-' but is not shaped like an option ("-x * y",
    "-(a+b)") is the EXPRESSION, not an unknown option; "-x" alone still needs "--" first."""

    def parse_args(self, ctx, args):
        valued = {flag for p in self.params if isinstance(p, click.Option) and not p.is_flag for flag in p.opts}
        for index, arg in enumerate(args):
            if arg == "--":
                break
            if index and args[index - 1] in valued:  # an option's value: "--digits -1"
                continue
            if arg.startswith("-") and not _OPTION_SHAPE.match(arg):
                rest = super().parse_args(ctx, args[:index] + args[index + 1:])
                if ctx.params.get("expression") is not None:  # the first NAME=VALUE landed there
                    ctx.params["more_values"] = (ctx.params["expression"], *ctx.params["more_values"])
                ctx.params["expression"] = arg
                return rest
        return super().parse_args(ctx, args)


_OPTION_SHAPE = re.compile(r"--?[A-Za-z][\w-]*(=.*)?\Z", re.S)


@click.command("explain", cls=_ExpressionCommand)
@click.argument("expression", required=False)
@click.argument("more_values", nargs=-1, metavar="[NAME=VALUE]...")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Values of the expression's names: --set x=-2 y=5 z=-4 (or x=-2,y=5).")
@click.option("--example", "example_name", type=click.Choice(list(EXAMPLES)),
              help="A built-in worked example instead of an expression.")
@click.option("--draw", "draw_path", metavar="PATH", help="Also draw the circuit (.svg, .png or .dot).")
@click.option("--digits", type=Number(int, 1, 17), default=DIGITS, show_default=True,
              help="Significant digits of the numbers shown (17: every digit of a float64).")
def explain_command(expression, more_values, settings, example_name, draw_path, digits):
    """Run EXPRESSION forward and backward and print every step with its numbers.

    EXPRESSION is arithmetic over named scalars: + - * / **, unary minus, exp, log, sqrt,
    tanh, sin, cos, sigmoid, relu, abs (one argument), max, min (two). It is parsed safely (never
    evaluated as Python).
    """
    if (expression is None) == (example_name is None):
        raise click.UsageError("give an EXPRESSION or --example NAME (one of them)")
    draw_format = None if draw_path is None else _draw_format(draw_path)
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
    if draw_path is not None:
        _draw(output, draw_path, draw_format, digits)


def _setup(config):
    """``(train_set, model)`` built as ``chainrule train`` builds them from the ``TrainConfig``
    ``config``. A model made for 28x28 images (LeNet-5, cnn_bn) gets the 8x8 digits enlarged
    to 28x28, saying so (these checks need no particular data); a model that takes neither
    gets the clear error that ``chainrule train`` gives."""
    from ..random import manual_seed
    from ..train.builders import build_model, input_shape_of, load_split
    from ..train.config import ConfigError

    manual_seed(config.seed)
    train_set = load_split(config, train=True, has_download=False)
    input_shape, num_classes = input_shape_of(config.dataset)
    try:
        return train_set, build_model(config.model, input_shape, num_classes, config.hidden)
    except ConfigError as exc:
        if config.dataset != "digits":
            raise
        error = exc
    mnist_shape, _ = input_shape_of("mnist")
    manual_seed(config.seed)
    try:
        model = build_model(config.model, mnist_shape, num_classes, config.hidden)
    except ConfigError:
        raise error from None
    train_set.transform = functools.partial(_enlarged, shape=mnist_shape)
    (_, h, w), (_, big_h, big_w) = input_shape, mnist_shape
    click.echo(f"model {config.model!r} takes {big_h}x{big_w} images: the {h}x{w} digits are scaled "
               f"up {big_h // h}x and zero-padded to {big_h}x{big_w} (these checks need no particular data)")
    return train_set, model


def _config(ctx, options):
    """The ``TrainConfig`` of the options (each checked as ``chainrule train`` checks it): the
    model's recipe where an option was not given, as in ``chainrule train``."""
    config, _ = TrainConfig.with_recipe(**given_options(ctx, options))
    return config


def _enlarged(image, shape):
    """``image`` (C, h, w) scaled up by a whole factor per axis (each pixel a block, ``np.kron``)
    and zero-padded evenly on both sides to ``shape`` (C, H, W)."""
    _, h, w = image.shape
    _, big_h, big_w = shape
    blocks = np.kron(image, np.ones((1, big_h // h, big_w // w), dtype=image.dtype))
    pad_h, pad_w = big_h - blocks.shape[1], big_w - blocks.shape[2]
    return np.pad(blocks, ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2)))


def _model_options(command):
    """The options of ``chainrule train`` that pick the model and its data (same names,
    defaults and checks)."""
    for name in reversed(("model", "dataset", "data_dir", "hidden", "loss", "seed")):
        command = train_option(name)(command)
    return command


@click.command("gradcheck")
@_model_options
@click.option("--batch-size", "--batch", "batch", type=Number(int, 1), default=4, show_default=True,
              help="Examples in the checked batch.")
@click.pass_context
@reporting_errors
def gradcheck_command(ctx, batch, **options):
    """Check every parameter's gradient against finite differences (float64)."""
    from ..tensor import Tensor
    from .gradcheck import gradcheck_model

    config = _config(ctx, options)
    train_set, model = _setup(config)
    images, labels = zip(*(train_set[i] for i in range(min(batch, len(train_set)))))
    inputs = Tensor(np.stack([np.asarray(im) for im in images]))
    targets = Tensor(np.array([int(np.asarray(y)) for y in labels]))
    report = gradcheck_model(model, inputs, targets, build_loss(config.loss), seed=config.seed)
    click.echo(str(report))
    ctx.exit(0 if report.ok else 1)


@click.command("doctor")
@_model_options
@train_option("optimizer")
@train_option("lr", help="The learning rate you plan to use.")
@train_option("momentum")
@train_option("weight_decay")
@train_option("batch_size")
@click.option("--expected-loss", type=Number(float), default=None,
              help="The initial loss to expect (default: ln(classes) for cross-entropy).")
@click.pass_context
@reporting_errors
def doctor_command(ctx, expected_loss, **options):
    """Sanity checks before a long run: initial loss, overfitting 20 examples,
    update-to-weight ratio and gradient health, each with its number. The optimizer,
    learning rate and batch size are those ``chainrule train`` would use (the model's recipe)."""
    from ..data import DataLoader
    from ..train.builders import build_optimizer
    from .doctor import doctor

    config = _config(ctx, options)
    train_set, model = _setup(config)
    click.echo(f"with {config.optimizer} lr {config.lr:g}"
               + (f" momentum {config.momentum:g}" if config.momentum else "")
               + f", batches of {config.batch_size}")
    report = doctor(model, DataLoader(train_set, batch_size=config.batch_size), build_loss(config.loss),
                    optimizer=functools.partial(build_optimizer, config), expected_loss=expected_loss,
                    verbose=True)
    click.echo("result: " + ("PASS" if report.ok else "FAIL"))
    ctx.exit(0 if report.ok else 1)


COMMANDS = [explain_command, gradcheck_command, doctor_command]
