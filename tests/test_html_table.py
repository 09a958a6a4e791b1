"""The core's notebook tables: Tensor's ``_repr_html_`` and the cells it is built from."""
import base64
import re
from html import unescape

import numpy as np

import chainrule as cr
from chainrule.html_table import array_rows, html_table
from chainrule.pictures import heatmap_png


def rows_of(html):
    return [[unescape(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)]


def test_html_table_escapes_and_aligns():
    html = html_table(("name", "n"), [("<b>", 1234)], caption="a & b", right=(1,))
    assert "<caption" in html and "a &amp; b" in html and "&lt;b&gt;" in html
    assert rows_of(html) == [["name", "n"], ["<b>", "1234"]]
    assert html.count("text-align: right") == 2  # the header and the cell of column 1


def test_small_array_shows_every_value():
    assert array_rows(np.array([[1.0, 0.0], [2.0, 3.5]])) == [("values", "[[1. , 0. ],\n [2. , 3.5]]")]


def test_large_array_shows_statistics_and_counts_non_finite():
    a = np.zeros(100)
    a[:10] = -2.0
    a[10:20] = 4.0
    a[20], a[21] = np.nan, np.inf
    assert array_rows(a) == [("min", "-2"), ("max", "4"), ("mean", "0.2041"), ("mean |.|", "0.6122"),
                             ("zeros", "78.0%"), ("non-finite", "2 (NaN 1)")]
    assert array_rows(np.arange(100) % 2 == 0) == [("share True", "0.5")]


def test_tensor_repr_html_names_shape_dtype_and_graph():
    w = cr.tensor([[1.0, -2.0]], requires_grad=True, name="w")
    assert rows_of(w._repr_html_()) == [["shape", "(1, 2)"], ["dtype", "float32"],
                                        ["autograd", "requires_grad=True"], ["values", "[[ 1., -2.]]"]]
    assert "tensor w</caption>" in w._repr_html_()
    y = (w * 3).sum()
    assert rows_of(y._repr_html_())[2] == ["autograd", "grad_fn=Sum"]
    big = cr.zeros(10, 10)
    assert rows_of(big._repr_html_())[3:] == [["min", "0"], ["max", "0"], ["mean", "0"], ["mean |.|", "0"],
                                             ["zeros", "100.0%"]]


def pictures_of(html):
    return [(title, base64.b64decode(data)) for title, data in
            re.findall(r'<img [^>]*alt="([^"]*)" src="data:image/png;base64,([^"]*)"/>', html)]


def test_a_large_tensor_shows_its_heatmap_and_its_gradients():
    digit = np.zeros((28, 28))
    digit[6:22, 13:16] = 1.0  # a "1"
    x = cr.tensor(digit, requires_grad=True)
    assert pictures_of(x._repr_html_()) == [("value", heatmap_png(digit, 3))]
    weights = np.linspace(-1.0, 1.0, 784).reshape(28, 28)
    (x * cr.tensor(weights)).sum().backward()
    assert pictures_of(x._repr_html_()) == [("value", heatmap_png(digit, 3)), ("grad", heatmap_png(weights, 3))]
    assert pictures_of(cr.tensor([[1.0, 2.0]])._repr_html_()) == []  # small: its values are listed
    assert pictures_of(cr.zeros(2, 3, 4, 5, 6)._repr_html_()) == []  # 5-D: no picture, statistics only
