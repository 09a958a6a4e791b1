"""The one error type of ``chainrule.data``."""


class DataError(ValueError):
    """A data file or data set is missing, corrupt, inconsistent or unverifiable.

    The message names the file (or directory) and the problem.
    """
