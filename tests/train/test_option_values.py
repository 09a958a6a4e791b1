"""Every option of every command and subcommand (``learn check`` ...), fed NaN, inf, 0, a
negative number or an empty value: accepted where the value is valid, otherwise one `Error:`
line naming the option (and, for a number, the range it takes), no traceback and nothing
written."""
import click
import numpy as np
import pytest

from chainrule.cli import build_cli
from chainrule.cli_types import Number

click_testing = pytest.importorskip("click.testing")

VALUES = ["nan", "inf", "-inf", "0", "-1", "", " "]
# the values each option accepts (every other value of VALUES must be refused)
VALID = {
    ("train", "--data-dir"): {"nan", "inf", "-inf", "0", "-1"}, ("train", "--out"): {"nan", "inf", "-inf", "0", "-1"},
    ("train", "--lr"): {"0"}, ("train", "--momentum"): {"0"}, ("train", "--weight-decay"): {"0"},
    ("train", "--seed"): {"0"}, ("train", "--checkpoint-every"): {"0"}, ("train", "--threads"): {"0"},
    ("train", "--timeout"): {"0"},  # no stall watchdog
    ("eval", "--data-dir"): {"nan", "inf", "-inf", "0", "-1"},
    ("explain", "--set"): {""},
    ("gradcheck", "--data-dir"): {"nan", "inf", "-inf", "0", "-1"}, ("gradcheck", "--seed"): {"0"},
    ("doctor", "--data-dir"): {"nan", "inf", "-inf", "0", "-1"}, ("doctor", "--seed"): {"0"},
    ("doctor", "--lr"): {"0"}, ("doctor", "--momentum"): {"0"}, ("doctor", "--weight-decay"): {"0"},
    ("doctor", "--expected-loss"): {"0", "-1"},
    ("playground", "--port"): {"0"},  # any free port
    ("learn check", "--dir"): {"nan", "inf", "-inf", "0", "-1"}, ("learn list", "--dir"): {"nan", "inf", "-inf", "0", "-1"},
    ("learn train", "--dir"): {"nan", "inf", "-inf", "0", "-1"}, ("learn train", "--seed"): {"0"},
}
BASE = {"train": ["--epochs", "1", "--quiet", "--out", "{tmp}/new"], "eval": ["{run}"],
        "predict": ["{run}", "{tmp}/digit.npy"], "summary": [], "explain": ["x * y", "--set", "x=1,y=2"],
        "gradcheck": [], "doctor": [], "playground": ["--no-browser"],
        "learn check": ["affine"], "learn list": [], "learn train": []}


def _commands(group, prefix=""):
    """(name, command) of every command, subcommands of groups by their full name ('learn train')."""
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")
        else:
            yield prefix + name, command


def _options():
    for name, command in _commands(build_cli()):
        for option in command.params:
            if isinstance(option, click.Option) and not option.is_flag and option.name != "help":
                yield name, option.opts[0], option


CASES = [(name, flag, value, option) for name, flag, option in _options() for value in VALUES
         if value not in VALID.get((name, flag), set())]


def test_every_command_is_covered():
    assert {name for name, *_ in CASES} == set(BASE)
    assert set(VALID) <= {(name, flag) for name, flag, _ in _options()}  # no stale entry


def test_every_number_option_states_its_range():
    """Numbers go through one type, whose error says what the option takes."""
    for name, flag, option in _options():
        assert not isinstance(option.type, (click.types.IntParamType, click.types.FloatParamType)), (name, flag)
        if isinstance(option.type, Number) and option.type.kind is int:
            assert option.type.describe().startswith("an integer"), (name, flag)


@pytest.mark.parametrize("name, flag, value, option", CASES,
                         ids=[f"{n.replace(' ', '-')}{f}={v!r}" for n, f, v, _ in CASES])
def test_a_bad_value_is_one_error_line_naming_the_option(name, flag, value, option, small_run, tmp_path):
    np.save(tmp_path / "digit.npy", np.zeros((8, 8), np.float32))
    base = [a.format(tmp=tmp_path, run=small_run.run_dir) for a in BASE[name]]
    result = click_testing.CliRunner().invoke(build_cli(), [*name.split(), *base, flag, value])
    assert result.exit_code in (1, 2), result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and any(opt in errors[0] for opt in option.opts), result.output
    if isinstance(option.type, Number):
        assert errors[0].endswith(f"{value!r} is not {option.type.describe()}"), errors[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "new").exists()
