"""The built-in renderer's geometry: every wire runs from its own source to its own gate's
port and passes through no other box, on the tutorials' diagrams and on random graphs."""
import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import chainrule as cr
from chainrule.explain import draw
from chainrule.explain.examples import example

SVG = "{http://www.w3.org/2000/svg}"
real_which = shutil.which


@pytest.fixture(autouse=True)
def no_graphviz(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "dot" else real_which(name))


def boxes(root):
    """key -> (x0, y0, x1, y1) of every box and (the square around) every gate."""
    out = {}
    for group in root.iter(SVG + "g"):
        rect, circle = group.find(SVG + "rect"), group.find(SVG + "circle")
        if group.get("class") in ("value", "const"):
            x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
            out[group.get("id")] = (x, y, x + w, y + h)
        elif group.get("class") == "gate":
            cx, cy, r = (float(circle.get(k)) for k in ("cx", "cy", "r"))
            out[group.get("id")] = (cx - r, cy - r, cx + r, cy + r)
    return out


def polyline(d):
    """The points of an SVG path of M, L and C commands (curves sampled finely)."""
    tokens = re.findall(r"[MLC]|-?\d+(?:\.\d+)?", d)
    points, i = [], 0
    while i < len(tokens):
        command = tokens[i]
        count = 6 if command == "C" else 2
        numbers = [float(t) for t in tokens[i + 1:i + 1 + count]]
        i += 1 + count
        if command == "C":
            p0, p1, p2, p3 = (np.array(points[-1]), np.array(numbers[0:2]), np.array(numbers[2:4]),
                              np.array(numbers[4:6]))
            for t in np.linspace(0, 1, 33)[1:]:
                points.append(tuple((1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t ** 2 * p2
                                    + t ** 3 * p3))
        else:
            points.append(tuple(numbers))
    return points


def segment_hits_box(a, b, box, inset=0.5):
    """Whether segment a-b meets the box shrunk by ``inset`` (Liang-Barsky clipping)."""
    x0, y0, x1, y1 = box[0] + inset, box[1] + inset, box[2] - inset, box[3] - inset
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    low, high = 0.0, 1.0
    for p, q in ((-dx, ax - x0), (dx, x1 - ax), (-dy, ay - y0), (dy, y1 - ay)):
        if p == 0:
            if q < 0:
                return False
        else:
            t = q / p
            if p < 0:
                low = max(low, t)
            else:
                high = min(high, t)
    return low <= high


def inside(point, box, tolerance=1.0):
    return box[0] - tolerance <= point[0] <= box[2] + tolerance and box[1] - tolerance <= point[1] <= box[3] + tolerance


def geometry_problems(svg):
    root = ET.fromstring(svg)
    placed = boxes(root)
    problems = []
    wires = [p for p in root.iter(SVG + "path") if p.get("class") == "wire"]
    assert wires
    for wire in wires:
        src, dst = wire.get("data-from"), wire.get("data-to")
        points = polyline(wire.get("d"))
        if not inside(points[0], placed[src]) or not inside(points[-1], placed[dst]):
            problems.append(f"wire {src}->{dst} does not run from its source to its target")
        for key, box in placed.items():
            if key not in (src, dst) and any(segment_hits_box(a, b, box) for a, b in zip(points, points[1:])):
                problems.append(f"wire {src}->{dst} passes through {key}")
    keys = sorted(placed)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = placed[a], placed[b]
            if ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1:
                problems.append(f"{a} overlaps {b}")
    return problems


@pytest.mark.parametrize("name", ["circuit", "neuron", "neuron-gates", "staged", "mnist-mlp", "convolution"])
def test_no_wire_passes_through_a_box_it_does_not_connect(name, mnist_home, monkeypatch):
    monkeypatch.setenv("CHAINRULE_HOME", str(mnist_home))
    assert geometry_problems(draw(example(name).output)) == []


def random_graph(seed):
    """A random scalar graph with fan-out, constants, named and anonymous values."""
    rng = np.random.default_rng(seed)
    pool = []
    for i in range(rng.integers(2, 5)):
        t = cr.tensor(float(rng.normal()), dtype="float64", requires_grad=True)
        t.name = f"x{i}"
        pool.append(t)
    for step in range(rng.integers(4, 12)):
        a, b = (pool[k] for k in rng.integers(0, len(pool), size=2))
        kind = rng.integers(0, 6)
        out = [a + b, a * b, a - b, cr.sigmoid(a), cr.tanh(a) * 2.0, 1.0 / (1 + a * a)][kind]
        if rng.random() < 0.4:
            out.name = f"v{step}"
        pool.append(out)
    total = pool[-1]
    for t in pool[-3:-1]:
        total = total + t
    return total


@pytest.mark.parametrize("seed", range(25))
def test_random_graphs_keep_their_wires_clear(seed):
    assert geometry_problems(draw(random_graph(seed))) == []


def _numbers(text):
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)]


def graphviz_problems(svg):
    """The same checks on Graphviz's own SVG: node shapes by their bounding boxes, each edge
    a cubic B-spline ("M p C p p p p p p ..."); an edge ends at its arrowhead, near the node."""
    root = ET.fromstring(svg)
    placed, problems = {}, []
    for group in root.iter(SVG + "g"):
        if group.get("class") != "node":
            continue
        key = group.find(SVG + "title").text
        shape = next((e for e in group if e.tag in (SVG + "path", SVG + "ellipse", SVG + "polygon")), None)
        if shape is None:
            continue  # a plaintext node (the legend)
        if shape.tag == SVG + "ellipse":
            cx, cy, rx, ry = (float(shape.get(k)) for k in ("cx", "cy", "rx", "ry"))
            placed[key] = (cx - rx, cy - ry, cx + rx, cy + ry)
        else:
            xy = np.array(_numbers(shape.get("d") or shape.get("points"))).reshape(-1, 2)
            placed[key] = (*xy.min(axis=0), *xy.max(axis=0))
    for group in root.iter(SVG + "g"):
        if group.get("class") != "edge":
            continue
        src, dst = group.find(SVG + "title").text.split("->")
        xy = np.array(_numbers(group.find(SVG + "path").get("d"))).reshape(-1, 2)
        points = [tuple(xy[0])]
        for i in range(1, len(xy) - 2, 3):
            p0, p1, p2, p3 = xy[i - 1], xy[i], xy[i + 1], xy[i + 2]
            points += [tuple((1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t ** 2 * p2 + t ** 3 * p3)
                       for t in np.linspace(0, 1, 33)[1:]]
        if not inside(points[0], placed[src], 2) or not inside(points[-1], placed[dst], 12):
            problems.append(f"edge {src}->{dst} does not run from its source to its target")
        for key, box in placed.items():
            if key not in (src, dst) and any(segment_hits_box(a, b, box) for a, b in zip(points, points[1:])):
                problems.append(f"edge {src}->{dst} passes through {key}")
    return problems


@pytest.mark.skipif(real_which("dot") is None, reason="Graphviz is not installed")
@pytest.mark.parametrize("name", ["circuit", "neuron", "neuron-gates", "staged", "mnist-mlp", "convolution"])
def test_graphviz_diagrams_keep_their_edges_clear_too(name, mnist_home, monkeypatch):
    monkeypatch.setattr(shutil, "which", real_which)  # this time with Graphviz
    monkeypatch.setenv("CHAINRULE_HOME", str(mnist_home))
    assert graphviz_problems(draw(example(name).output)) == []


@pytest.mark.skipif(real_which("dot") is None, reason="Graphviz is not installed")
@pytest.mark.parametrize("seed", range(0, 25, 5))
def test_graphviz_random_graphs(seed, monkeypatch):
    monkeypatch.setattr(shutil, "which", real_which)
    assert graphviz_problems(draw(random_graph(seed))) == []
