"""Click option types shared by every command: numbers in a range, and folder paths.

A bad value is one ``Error:`` line naming the option and what it accepts, e.g.
``Error: Invalid value for '--lr': 'nan' is not a finite number > 0.`` (click's usage error,
exit status 2); NaN and infinities are refused, as are empty values. Needs the ``cli`` extra.
"""
import math

import click


class Number(click.ParamType):
    """An integer (``kind=int``) or finite float (``kind=float``) from ``minimum`` (excluded
    when ``min_open``) to ``maximum``, either bound optional."""

    def __init__(self, kind=int, minimum=None, maximum=None, min_open=False):
        self.kind, self.minimum, self.maximum, self.min_open = kind, minimum, maximum, min_open
        self.name = "integer" if kind is int else "float"

    def describe(self):
        """What the option accepts, as the error says it: 'an integer >= 1', 'a finite number > 0'."""
        what = "an integer" if self.kind is int else "a finite number"
        if self.minimum is not None and self.maximum is not None:
            return f"{what} from {self.minimum} to {self.maximum}"
        if self.minimum is not None:
            return f"{what} {'>' if self.min_open else '>='} {self.minimum}"
        return what

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = value
        else:
            try:
                number = self.kind(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not {self.describe()}", param, ctx)
        if self.kind is float and not math.isfinite(number):
            self.fail(f"{value!r} is not {self.describe()}", param, ctx)
        low = self.minimum is not None and (number <= self.minimum if self.min_open else number < self.minimum)
        if low or (self.maximum is not None and number > self.maximum):
            self.fail(f"{value!r} is not {self.describe()}", param, ctx)
        return self.kind(number)

    def __repr__(self):
        return f"Number({self.describe()})"


class Folder(click.Path):
    """A folder path (need not exist yet); an empty value is refused rather than meaning the
    current folder."""

    def __init__(self):
        super().__init__(file_okay=False)

    def convert(self, value, param, ctx):
        if not str(value).strip():
            self.fail(f"{value!r} is not a folder path (leave it out for the default)", param, ctx)
        return super().convert(value, param, ctx)
