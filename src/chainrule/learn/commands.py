"""``chainrule learn``: the exercises from the shell (list, start, check, train).

    chainrule learn list                     the exercises in order, with your progress
    chainrule learn start [DIR]              write the stubs into DIR (your files are kept)
    chainrule learn check [NAME] [--dir DIR] check one exercise, or all of them
    chainrule learn train [--dir DIR] [--model mlp|cnn]   a network of your own ops

``COMMANDS`` lists the group for the CLI. Needs the ``cli`` extra (click).
"""
from pathlib import Path

import click

from ..cli_types import Folder, Number

from . import EXERCISES, MODELS, LearnError, check, exercise, load_progress, start, train
from .workspace import PROGRESS_FILE

DEFAULT_FOLDER = "backprop-exercises"


class LearnGroup(click.Group):
    """The learn group: a LearnError from any subcommand is one ``Error:`` line, exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except LearnError as exc:
            raise click.ClickException(str(exc)) from None


def _folder_option(command):
    return click.option("--dir", "folder", default=".", show_default=True, type=Folder(),
                        help="Your exercises folder (made by `chainrule learn start`).")(command)


@click.group("learn", cls=LearnGroup)
def learn_command():
    """Write backpropagation yourself: exercises that grade themselves.

    Each exercise is an op whose forward is given; you write its backward. `check` runs it on
    random and edge-case inputs against chainrule's engine and finite differences, and says
    which gradient and element are wrong, expected and got, and the classic mistake behind it.
    Lessons: docs/learn.md.
    """


@learn_command.command("list")
@_folder_option
def list_command(folder):
    """The exercises in order, with your progress when DIR holds it."""
    progress = load_progress(folder) if (Path(folder) / PROGRESS_FILE).is_file() else None
    for number, ex in enumerate(EXERCISES, 1):
        entry = (progress or {}).get(ex.name)
        mark = "" if progress is None else ("[passed] " if entry and entry["passed"] else "[ ]      ")
        click.echo(f"{number:2d}. {mark}{ex.name:22s} {ex.title}  ({ex.lesson})")


@learn_command.command("start")
@click.argument("folder", default=DEFAULT_FOLDER, type=Folder())
def start_command(folder):
    """Write the stub of every exercise into FOLDER (default: backprop-exercises)."""
    written = start(folder)
    kept = len(EXERCISES) - len(written)
    click.echo(f"wrote {len(written)} exercise files into {folder}" + (f" (kept your {kept} files)" if kept else ""))
    click.echo(f"first: open {Path(folder) / EXERCISES[0].file_name}, write backward, then run\n"
               f"  chainrule learn check {EXERCISES[0].name} --dir {folder}")


@learn_command.command("check")
@click.argument("name", required=False)
@_folder_option
def check_command(name, folder):
    """Check exercise NAME (or every exercise) from your folder; exit status 1 if one fails."""
    reports = [check(folder, exercise(name).name)] if name else check(folder)
    for report in reports:
        click.echo(str(report))
    if name is None:
        click.echo(f"\n{sum(r.passed for r in reports)} of {len(reports)} exercises pass")
    progress = load_progress(folder)
    upcoming = next((e.name for e in EXERCISES if not progress.get(e.name, {}).get("passed")), None)
    if upcoming is None:
        click.echo(f"all exercises pass: now train a network of your own ops: chainrule learn train --dir {folder}")
    elif all(r.passed for r in reports):
        click.echo(f"next: chainrule learn check {upcoming} --dir {folder}")
    if not all(r.passed for r in reports):
        raise SystemExit(1)


@learn_command.command("train")
@_folder_option
@click.option("--model", type=click.Choice(list(MODELS)), default="mlp", show_default=True,
              help="mlp: your affine, relu, softmax_cross_entropy; cnn: also your conv and max_pool.")
@click.option("--epochs", type=Number(int, 1), default=5, show_default=True)
@click.option("--lr", type=Number(float, 0, min_open=True), default=0.1, show_default=True)
@click.option("--seed", type=Number(int, 0), default=0, show_default=True)
def train_command(folder, model, epochs, lr, seed):
    """Train a network of your own ops on the 8x8 digits, and chainrule's from the same start."""
    click.echo(str(train(folder, model=model, epochs=epochs, lr=lr, seed=seed)))


COMMANDS = [learn_command]
