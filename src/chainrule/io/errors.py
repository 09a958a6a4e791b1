"""``CheckpointError``: the one exception a bad checkpoint or state file raises."""

MAX_LISTED_PROBLEMS = 20  # a corrupt header can hold millions of entries; the message stays readable


class CheckpointError(ValueError):
    """A file (or state dict) that cannot be used as a checkpoint.

    ``path`` names the file (None for an in-memory state dict) and ``problems`` lists every
    problem found; the message shows both, then ``hint`` (what to do instead) if given.
    """

    def __init__(self, path, problems, hint=None):
        self.path, self.hint = path, hint
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(self._message())

    def _message(self):
        where = "state dict" if self.path is None else f"checkpoint {str(self.path)!r}"
        hint = "" if self.hint is None else f"\n{self.hint}"
        if len(self.problems) == 1:
            return f"{where}: {self.problems[0]}{hint}"
        listed = [f"  - {p}" for p in self.problems[:MAX_LISTED_PROBLEMS]]
        if len(self.problems) > MAX_LISTED_PROBLEMS:
            listed.append(f"  ... and {len(self.problems) - MAX_LISTED_PROBLEMS} more")
        return f"{where}: {len(self.problems)} problems:\n" + "\n".join(listed) + hint
