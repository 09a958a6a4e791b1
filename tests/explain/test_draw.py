import base64
import os
import shutil
import tempfile
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import chainrule as cr
from chainrule.explain import draw, recording
from chainrule.explain.examples import staged
from chainrule.explain.graph import format_value
from chainrule.nn import functional as F

SVG = "{http://www.w3.org/2000/svg}"
STAGED = ["x", "y", "sigy", "num", "sigx", "xpy", "xpysqr", "den", "invden", "f"]


@pytest.fixture
def no_graphviz(monkeypatch):
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "dot" else real_which(name))


def staged_records():
    ex = staged()
    return ex.output, {r["name"]: r for r in ex.trace.records if r["phase"] == "forward"}


def test_builtin_svg_shows_every_value_with_value_and_gradient(no_graphviz, tmp_path):
    f, records = staged_records()
    svg = draw(f, tmp_path / "graph.svg")
    assert (tmp_path / "graph.svg").read_text() == svg
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    boxes = {}
    for group in root.iter(SVG + "g"):
        texts = [t.text for t in group.iter(SVG + "text")]
        if group.get("class") == "value":
            boxes[texts[0]] = texts
    assert set(boxes) == set(STAGED)
    for name in STAGED:
        assert boxes[name][1] == format_value(records[name]["value"])
        assert boxes[name][2] == "grad " + format_value(records[name]["grad"])
    gates = [g for g in root.iter(SVG + "g") if g.get("class") == "gate"]
    assert len(gates) == 8
    assert svg._repr_svg_() == svg  # Jupyter shows it inline


def svg_texts(svg):
    return [t.text for t in ET.fromstring(svg).iter(SVG + "text")]


def test_labels_show_four_significant_digits_unless_told(no_graphviz):
    f, _ = staged_records()
    texts = svg_texts(draw(f))
    for label in ("0.01799", "grad 0.5121", "1.546", "grad -0.7916", "grad 2.06"):
        assert label in texts
    assert "0.009046" in texts and "-0.03576" in texts  # the shares of x and y at their forks
    assert "grad 2.0595697955721652" in svg_texts(draw(f, digits=None))
    with pytest.raises(ValueError, match="draw: digits must be"):
        draw(f, digits=0)


def test_cs231n_neuron_wires_carry_value_and_gradient(no_graphviz):
    from chainrule.explain.examples import example

    svg = draw(example("neuron-gates").output)
    texts = svg_texts(svg)
    gates = [t.text for g in ET.fromstring(svg).iter(SVG + "g") if g.get("class") == "gate"
             for t in g.iter(SVG + "text")]
    assert gates == ["*", "*", "+", "+", "neg", "exp", "+1", "1/"]
    # each anonymous value rides on its wire: value above, gradient below
    for value, grad in (("-2", "0.1966"), ("4", "0.1966"), ("-1", "-0.1966"), ("0.3679", "-0.5344"),
                        ("1.368", "-0.5344")):
        assert texts[texts.index(value) + 1] == grad
    assert float(ET.fromstring(svg).get("width")) <= 900


def test_arrays_show_shape_statistics_and_heatmaps(no_graphviz, monkeypatch, tmp_path):
    from chainrule.explain.examples import example, synthetic_digit
    from chainrule.explain.graph import format_number

    monkeypatch.setenv("CHAINRULE_HOME", str(tmp_path))  # no MNIST: the synthetic digit
    svg = draw(example("mnist-mlp").output)
    root = ET.fromstring(svg)
    box = next(g for g in root.iter(SVG + "g") if g.get("class") == "const"
               and next(g.iter(SVG + "text")).text == "x (784)")
    digit = synthetic_digit()
    zeros = round(100 * np.mean(digit == 0))
    assert [t.text for t in box.iter(SVG + "text")] == [
        "x (784)", "min 0 max 1", f"mean|.| {format_number(np.abs(digit).mean(), 4)} zeros {zeros}%"]
    images = list(box.iter(SVG + "image"))
    assert len(images) == 1 and (images[0].get("width"), images[0].get("height")) == ("28", "28")
    w1 = next(g for g in root.iter(SVG + "g") if next(g.iter(SVG + "text")).text == "W1 (30x784)")
    assert len(list(w1.iter(SVG + "image"))) == 2  # its value and its gradient, eight units each
    assert float(root.get("width")) < 3300


def box_texts_and_images(svg, title):
    box = next(g for g in ET.fromstring(svg).iter(SVG + "g") if g.get("class") in ("value", "const")
               and next(g.iter(SVG + "text")).text.startswith(title))
    images = [base64.b64decode(i.get("{http://www.w3.org/1999/xlink}href").split(",", 1)[1])
              for i in box.iter(SVG + "image")]
    return [t.text for t in box.iter(SVG + "text")], images


def test_max_pooling_input_shows_its_routing_mask(no_graphviz):
    from chainrule.explain import routing_mask
    from chainrule.pictures import heatmap_png

    a = cr.tensor([[[[1.0, 3.0], [2.0, 0.0]]]], requires_grad=True)
    a.name = "a"
    texts = svg_texts(draw(F.max_pool2d(a, 2).sum()))
    assert "routes (1x1x2x2) [0, 1, 0, 0]" in texts  # the window's one maximum, 3, gets it all
    assert "routes: windows sending gradient there" in texts  # the legend says what grey is

    values = np.array([[[[1, 5, 5, 0], [2, 0, 1, 1], [0, 0, 0, 0], [7, 0, 0, 7]]]], dtype=np.float64)
    x = cr.tensor(np.tile(values, (1, 1, 2, 2)), requires_grad=True)
    x.name = "x"
    h = F.relu(x * 1.0)  # used once and unnamed, yet boxed: its mask needs a box
    pooled = F.max_pool2d(h, 3, stride=1)  # overlapping windows share maxima: counts above 1
    svg = draw(pooled.sum())
    texts, images = box_texts_and_images(svg, "relu")
    mask = routing_mask(pooled)
    assert mask.max() > 1
    assert texts[-1] == f"routes: gradient reaches {np.mean(mask > 0):.0%}"
    assert images[-1] == heatmap_png(mask)
    assert "routes: gradient reaches" in draw(pooled.sum(), format="dot")  # Graphviz shows it too


def test_dot_source_has_every_value_gate_and_edge():
    f, records = staged_records()
    dot = draw(f, format="dot")
    assert dot.startswith("digraph chainrule {") and dot.rstrip().endswith("}")
    for name in STAGED:
        label = next(line for line in dot.splitlines() if f"<b>{name}</b>" in line)
        assert format_value(records[name]["value"]) in label
        assert "grad " + format_value(records[name]["grad"]) in label and "#c62828" in label
    assert dot.count("shape=circle") == 8
    assert dot.count("->") == 12 + 8  # tensor inputs of the gates (constants are in the gate labels), outputs
    assert 'label="**2"' in dot and 'label="1/"' in dot


def test_png_without_graphviz_writes_dot_and_says_how(no_graphviz, tmp_path):
    f, _ = staged_records()
    with pytest.warns(UserWarning, match="dot -Tpng"):
        dot = draw(f, tmp_path / "graph.png", format="png")
    assert (tmp_path / "graph.dot").read_text() == dot
    assert not (tmp_path / "graph.png").exists()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_graphviz_svg_and_png(tmp_path):
    f, records = staged_records()
    root = ET.fromstring(draw(f))
    texts = " ".join(t.text or "" for t in root.iter(SVG + "text"))
    assert all(name in texts.split() for name in STAGED)
    assert format_value(records["invden"]["value"]) in texts
    draw(f, tmp_path / "graph.png", format="png")
    assert (tmp_path / "graph.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_graphviz_diagrams_show_the_same_heatmaps(tmp_path, monkeypatch):
    from chainrule.explain.circuit import circuit
    from chainrule.explain.examples import example
    from chainrule.explain.trace import Account
    from chainrule.pictures import png_size

    f = example("convolution").output
    nodes, _ = circuit(Account(f, 4, {}))
    expected = [png for n in nodes for png, _ in n.pictures]
    assert len(expected) == 9  # x, w, y, a: value and gradient; a's routing mask
    svg = draw(f)
    assert "Generated by graphviz" in svg
    inlined = [base64.b64decode(i.get("{http://www.w3.org/1999/xlink}href").split(",", 1)[1])
               for i in ET.fromstring(svg).iter(SVG + "image")]
    assert sorted(inlined) == sorted(expected)  # standalone: no file the SVG points to
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where draw puts the pictures for dot
    draw(f, tmp_path / "c.png", format="png")
    assert png_size((tmp_path / "c.png").read_bytes())[0] > 1500
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.png"]  # the pictures' files are gone
    assert "IMG" not in draw(f, format="dot")  # the source a user gets names no temporary file


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_png_is_drawn_at_a_readable_resolution(tmp_path):
    from chainrule.pictures import png_size

    x = cr.tensor(3.0, requires_grad=True, name="x")
    f = x * x
    draw(f, tmp_path / "default.png", format="png")
    draw(f, tmp_path / "screen.png", format="png", dpi=72)
    (wide, high), (width72, height72) = (png_size((tmp_path / n).read_bytes()) for n in ("default.png", "screen.png"))
    assert abs(wide - 2 * width72) <= 2 and abs(high - 2 * height72) <= 2  # 144 dpi by default
    with pytest.raises(ValueError, match="draw: dpi must be a number from 10 to 1200"):
        draw(f, tmp_path / "bad.png", format="png", dpi=0)


def test_dot_has_a_legend_and_the_same_wire_labels():
    from chainrule.explain.examples import example

    dot = draw(example("neuron-gates").output, format="dot")
    assert "legend [shape=plaintext" in dot and ">value</font>" in dot and ">gradient</font>" in dot
    assert 'label=<<font color="#1f4e9e">0.3679</font><br/><font color="#c62828">-0.5344</font>>' in dot


def test_bad_format_or_mismatched_path(tmp_path):
    f, _ = staged_records()
    with pytest.raises(ValueError, match="unknown format"):
        draw(f, format="jpg")
    with pytest.raises(ValueError, match="format='png'"):
        draw(f, tmp_path / "graph.png")
    with pytest.raises(ValueError, match="needs a path"):
        draw(f, format="png")


def test_draw_after_a_plain_backward_shows_the_recorded_gradients():
    def build():
        x = cr.tensor(3.0, dtype="float64", requires_grad=True)
        y = cr.tensor(-4.0, dtype="float64", requires_grad=True)
        x.name, y.name = "x", "y"
        return (x + cr.sigmoid(y)) / (cr.sigmoid(x) + (x + y) ** 2)

    f = build()
    with recording():
        f.backward()
    recorded = draw(f, format="dot")
    f = build()
    f.backward()  # without recording: draw replays the freed graph
    assert draw(f, format="dot") == recorded
    assert "grad " + format_value(2.0595697955721652) in recorded  # df/dx of docs/math.md


@pytest.mark.parametrize("name, format, graphviz", [
    ("graph.svg", "svg", False), ("graph.dot", "dot", False), ("graph.png", "png", True),
])
def test_a_write_that_fails_leaves_the_previous_file_whole(name, format, graphviz, tmp_path, monkeypatch):
    if graphviz and shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed")
    f, _ = staged_records()
    path = tmp_path / name
    path.write_text("the previous diagram")
    import chainrule.io.atomic

    monkeypatch.setattr(chainrule.io.atomic.os, "replace", _crash)
    with pytest.raises(OSError, match="killed before the rename"):
        draw(f, path, format=format)
    assert path.read_text() == "the previous diagram" and os.listdir(tmp_path) == [name]


def _crash(source, destination):
    raise OSError("killed before the rename")
