"""cli_types: Number (an int or finite float in a range) and Folder (a non-empty folder path)."""
import click
import pytest

from chainrule.cli_types import Folder, Number

click_testing = pytest.importorskip("click.testing")


def _run(option_type, value):
    @click.command()
    @click.option("--x", type=option_type)
    def command(x):
        click.echo(repr(x))

    return click_testing.CliRunner().invoke(command, ["--x", value])


@pytest.mark.parametrize("option_type, value, expected", [
    (Number(int, 1), " 3 ", 3), (Number(float, 0, min_open=True), "1e-3", 0.001),
    (Number(int, 0, 65535), "65535", 65535), (Number(float), "-2.5", -2.5), (Number(int), "-7", -7),
])
def test_a_value_in_range_is_converted(option_type, value, expected):
    result = _run(option_type, value)
    assert result.exit_code == 0 and result.output == f"{expected!r}\n"


@pytest.mark.parametrize("option_type, value, expected", [
    (Number(int, 1), "0", "'0' is not an integer >= 1"),
    (Number(int, 1), "1.5", "'1.5' is not an integer >= 1"),
    (Number(float, 0, min_open=True), "0", "'0' is not a finite number > 0"),
    (Number(float, 0), "1e999", "'1e999' is not a finite number >= 0"),
    (Number(float), "nan", "'nan' is not a finite number"),
    (Number(int, 0, 65535), "65536", "'65536' is not an integer from 0 to 65535"),
    (Number(int), "", "'' is not an integer"),
    (Folder(), " ", "' ' is not a folder path (leave it out for the default)"),
])
def test_a_bad_value_is_one_error_line_naming_the_option_and_range(option_type, value, expected):
    result = _run(option_type, value)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"Error: Invalid value for '--x': {expected}"
