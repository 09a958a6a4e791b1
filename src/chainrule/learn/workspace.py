"""The learner's folder: the stubs ``start`` writes, loading the learner's ops from it, checking
them and the progress kept beside them in plain JSON (``progress.json``)."""
import importlib.util
import json
import sys
from pathlib import Path

from .checker import Report, check_op

PROGRESS_FILE = "progress.json"
FORMAT = 1


class LearnError(Exception):
    """A problem with the learner's folder or an exercise name, said in one line."""


def start(folder, exercises):
    """Write the stub of every exercise into ``folder`` (made if missing) and a fresh progress
    file. A file that exists is kept: your work is never overwritten. Returns the written names."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise LearnError(f"{folder} is a file, not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for exercise in exercises:
        path = folder / exercise.file_name
        if not path.exists():
            path.write_text(exercise.stub, encoding="utf-8")
            written.append(exercise.file_name)
    if not (folder / PROGRESS_FILE).exists():
        save_progress(folder, {})
    return written


def _progress_path(folder):
    path = Path(folder) / PROGRESS_FILE
    if not path.is_file():
        raise LearnError(f"{folder} is not a chainrule learn folder (no {PROGRESS_FILE}): "
                         f"run `chainrule learn start {folder}` first")
    return path


def load_progress(folder):
    """{exercise name: {"passed": bool, "checks": int}} from the folder's progress file."""
    path = _progress_path(folder)
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        exercises = content["exercises"]
        if not isinstance(exercises, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise LearnError(f"{path} is not a progress file of chainrule learn; move it away and run "
                         f"`chainrule learn start {folder}` again (your exercise files are kept)") from None
    return exercises


def save_progress(folder, exercises):
    path = Path(folder) / PROGRESS_FILE
    text = json.dumps({"format": FORMAT, "exercises": exercises}, indent=2, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")


def load_op(folder, exercise):
    """The learner's class for ``exercise``, imported from its file in ``folder``."""
    path = Path(folder) / exercise.file_name
    if not path.is_file():
        raise LearnError(f"{path} is missing: `chainrule learn start {folder}` writes the stubs again "
                         "(existing files are kept)")
    module_name = f"chainrule_learner_{exercise.name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)  # the learner's own code, which they asked us to run
    except Exception as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        raise LearnError(f"{path} could not be loaded{where}: {type(exc).__name__}: {exc}") from None
    finally:
        sys.modules.pop(module_name, None)
    op = getattr(module, exercise.class_name, None)
    if not isinstance(op, type):
        raise LearnError(f"{path} has no class {exercise.class_name}: keep the stub's class name")
    return op


def check_folder(folder, exercises):
    """Check each exercise's op from ``folder``; record the outcome in the progress file.
    Returns one ``Report`` per exercise (a load problem is a report that was not checked)."""
    progress = load_progress(folder)
    reports = []
    for exercise in exercises:
        try:
            report = check_op(exercise, load_op(folder, exercise))
        except LearnError as exc:
            report = Report(exercise, [], error=str(exc))
        entry = progress.setdefault(exercise.name, {"passed": False, "checks": 0})
        entry["checks"] += 1
        entry["passed"] = report.passed  # the latest check: breaking a passed op shows
        reports.append(report)
    save_progress(folder, progress)
    return reports
