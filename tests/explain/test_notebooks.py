"""Tutorials as notebooks: each percent script converts with jupytext, runs in a fresh
kernel (nbclient) without a cell error, and its explain objects render as HTML tables and
its diagrams as inline SVG."""
import re
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

TUTORIALS = Path(__file__).resolve().parents[2] / "docs" / "tutorials"


def run_notebook(script, tmp_path, env):
    notebook = jupytext.read(TUTORIALS / script)
    jupytext.write(notebook, tmp_path / (Path(script).stem + ".ipynb"))  # as `jupytext --to notebook` does
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=env)  # raises CellExecutionError naming the cell on any error
    return [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]


def html_of(outputs):
    return [out["data"]["text/html"] for out in outputs if "text/html" in out.get("data", {})]


ALL = sorted(path.name for path in TUTORIALS.glob("[0-9][0-9]_*.py"))
CELLS = {"03_f_adjoint.py": 4, "10_fadjoint_xor.py": 4}  # the short ones; every other has 5 or more


def test_every_tutorial_is_a_notebook_of_several_cells():
    assert len(ALL) == 10
    for script in ALL:
        notebook = jupytext.read(TUTORIALS / script)
        assert sum(cell.cell_type == "code" for cell in notebook.cells) >= CELLS.get(script, 5), script


# What each tutorial's notebook shows besides text: (HTML tables, with this caption; SVG diagrams)
SHOWN = {
    "02_four_equations_mnist.py": (["the four equations (BP1-BP4), cost"], 0),
    "04_cnn_layer_by_layer.py": ([], 0),
    "05_vanishing_gradients.py": ([], 0),
    "06_patterns_in_gradient_flow.py": (["forward: every value in the order it is computed"], 1),
    "07_why_backprop_is_fast.py": ([], 0),
    "08_lee_network.py": ([], 0),
    "09_sum_over_paths.py": ([], 0),
    "10_fadjoint_xor.py": (["F-propagation and F-adjoint, cost 0.500549"], 0),
}


@pytest.mark.parametrize("script", sorted(SHOWN))
def test_tutorial_runs_as_a_notebook_and_shows_its_objects(script, tmp_path, subprocess_env, mnist_home):
    env = {**subprocess_env, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg", "CHAINRULE_HOME": str(mnist_home)}
    outputs = run_notebook(script, tmp_path, env)
    tables, diagrams = SHOWN[script]
    html = html_of(outputs)
    assert len(html) == len(tables)
    for table, caption in zip(html, tables):
        assert "<table" in table and caption in table
    assert sum("image/svg+xml" in out.get("data", {}) for out in outputs) == diagrams
    texts = "".join(out.get("text", "") for out in outputs if out["output_type"] == "stream")
    assert "Result(" not in texts and "<Trace of" not in texts  # no bare reprs


def test_tutorial_1_runs_as_a_notebook_and_shows_traces_as_tables(tmp_path, subprocess_env):
    outputs = run_notebook("01_gates_and_circuits.py", tmp_path, subprocess_env)
    assert not [out for out in outputs if out["output_type"] == "error"]
    tables = html_of(outputs)
    assert len(tables) == 3  # the three traces, none printed as text
    first = tables[0]
    assert "<table" in first and "backward: each gate in reverse order" in first
    cells = re.findall(r"<td[^>]*>(.*?)</td>", first)
    assert {"= q * z", "= -12", "df * z = 1 * (-4)", "= -4"} <= set(cells)
    texts = "".join(out.get("text", "") for out in outputs if out["output_type"] == "stream")
    assert "df/dx = 2.0595697956" in texts and "<Trace of" not in texts
    assert (tmp_path / "01_gates_and_circuits.ipynb").exists()


def test_tutorial_3_shows_the_f_adjoint_as_a_table(tmp_path, subprocess_env):
    outputs = run_notebook("03_f_adjoint.py", tmp_path, subprocess_env)
    (table,) = html_of(outputs)
    assert "F-propagation and F-adjoint, cost 0.244777" in table and "Y*^l" in table
    texts = "".join(out.get("text", "") for out in outputs if out["output_type"] == "stream")
    assert "Y*^l equals Nielsen's delta^l" in texts
