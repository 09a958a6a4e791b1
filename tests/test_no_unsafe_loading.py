"""The library never unpickles or evaluates: a static scan of every module in src/chainrule
for pickle-like imports, eval/exec, torch.load, and np.load without allow_pickle=False."""
import ast
from pathlib import Path

import pytest

import chainrule

PACKAGE = Path(chainrule.__file__).resolve().parent
UNSAFE_MODULES = {"pickle", "_pickle", "cPickle", "dill", "cloudpickle", "joblib", "shelve", "marshal"}


def unsafe_uses(tree):
    """(line, what) for each unsafe construct in a parsed module."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                if name.split(".")[0] in UNSAFE_MODULES:
                    yield node.lineno, f"import {name}"
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in ("eval", "exec"):
                yield node.lineno, f"{func.id}()"
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                call = f"{func.value.id}.{func.attr}"
                if call == "torch.load":
                    yield node.lineno, call
                allow = next((k.value for k in node.keywords if k.arg == "allow_pickle"), None)
                if call in ("np.load", "numpy.load") and not (
                        isinstance(allow, ast.Constant) and allow.value is False):
                    yield node.lineno, f"{call} without allow_pickle=False"


@pytest.mark.parametrize("source, found", [
    ("import pickle", ["import pickle"]),
    ("from joblib import load", ["import joblib"]),
    ("eval('1')", ["eval()"]),
    ("np.load(p)", ["np.load without allow_pickle=False"]),
    ("np.load(p, allow_pickle=True)", ["np.load without allow_pickle=False"]),
    ("np.load(p, allow_pickle=False)", []),
    ("torch.load(p)", ["torch.load"]),
])
def test_the_scanner_finds_unsafe_constructs(source, found):
    assert [what for _, what in unsafe_uses(ast.parse(source))] == found


def test_no_module_of_the_library_unpickles_or_evaluates():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert PACKAGE / "io" / "checkpoint.py" in modules
    problems = [f"{path.relative_to(PACKAGE)}:{line}: {what}"
                for path in modules for line, what in unsafe_uses(ast.parse(path.read_text()))]
    assert problems == []
