"""In a notebook each explain object shows as a table, not a repr."""
import xml.etree.ElementTree as ET

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.explain import fadjoint, gradcheck_model, nielsen, trace
from chainrule.explain.examples import example


def cells(html):
    """The rows of every table in ``html`` as lists of cell texts."""
    root = ET.fromstring(f"<div>{html}</div>")
    return [[td.text or "" for td in tr.iter("td")] for tr in root.iter("tr")]


def test_a_trace_is_three_tables_of_its_steps():
    x = cr.tensor(-2.0, requires_grad=True, name="x")
    y = cr.tensor(5.0, requires_grad=True, name="y")
    z = cr.tensor(-4.0, requires_grad=True, name="z")
    rows = cells(trace((x + y) * z)._repr_html_())
    assert ["x", "input", "= -2"] in rows and ["f", "= (x + y) * z", "= -12"] in rows
    assert ["d(x + y) +=", "df * z = 1 * (-4)", "= -4", ""] in rows
    assert ["df/dz", "= 3"] in rows


def test_cjk_names_keep_the_trace_in_columns():
    a = cr.tensor(2.0, requires_grad=True, name="甲")
    b = cr.tensor(3.0, requires_grad=True, name="b")
    forward = str(trace(a * b)).split("\n\n")[0].splitlines()[1:]
    assert forward == ["  甲 input     = 2", "  b  input     = 3", "  f  = 甲 * b  = 6"]


def test_examples_reports_and_results_render_as_tables():
    assert "<h4>Worked example 1: f(x, y, z) = (x + y) * z</h4>" in example("circuit")._repr_html_()
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 2), nn.Sigmoid()).double()
    x, label = np.linspace(-1, 1, 4), 1
    rows = cells(nielsen.backprop(model, x, label)._repr_html_())
    assert rows[0] == ["l", "z^l", "a^l", "delta^l", "dC/dw^l", "dC/db^l"] and len(rows) == 3
    assert rows[1][4].startswith("(3x4) min ")
    rows = cells(fadjoint.fadjoint(model, x, label)._repr_html_())
    assert rows[0] == ["l", "Y^l", "X^l", "Y*^l", "X*^(l-1)", "W^l"] and rows[2][5].startswith("(2x4) min ")
    report = gradcheck_model(model, cr.tensor(np.ones((2, 4))), cr.tensor([0, 1]), nn.CrossEntropyLoss())
    pre = ET.fromstring(report._repr_html_())  # its text table, escaped, as preformatted text
    assert pre.tag == "pre" and pre.text == str(report)
