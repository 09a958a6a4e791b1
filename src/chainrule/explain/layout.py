"""A small layered (Sugiyama) layout for circuit diagrams, left to right.

1. layers: a node one layer right of its deepest input; sources (leaves) then move right,
   next to their first consumer;
2. a wire that spans layers gets a dummy point in every layer it crosses, so it has a slot
   of its own there and never passes under a box;
3. crossings reduced by barycentre sweeps (the best order seen is kept);
4. rows: each layer is placed as near as possible to its neighbours (least squares under
   the order and the spacing, by pool-adjacent-violators), sweeping left and right.

Each wire's ``route`` is a list of points: horizontal runs inside columns (from a box to
its column's edge, through a dummy's slot) and crossings of the gaps between columns,
where no box is; the renderer draws crossings as curves with horizontal ends.
"""
import math

from ..pictures import png_size

CHAR_W, LINE_H, PAD, GATE_R, ROW_GAP, DUMMY_GAP, MIN_GAP, MARGIN = 6.7, 14, 7, 16, 18, 10, 28, 10
LABEL_SLACK = 12  # room in a gap besides its labels, for the curve
PORT_STEP, PICTURE_GAP = 12, 6


def text_width(text, char_w=CHAR_W):
    return len(text) * char_w


def size(node):
    if node.kind == "gate":
        radius = max(GATE_R, text_width(node.lines[0][0]) / 2 + 6, PORT_STEP * node.ports / 2 + 5)
        node.w = node.h = 2 * radius
    else:
        sizes = [png_size(png) for png, _ in node.pictures]
        pictures_w = sum(w + PICTURE_GAP for w, _ in sizes) - PICTURE_GAP if sizes else 0
        node.w = max([text_width(text) for text, _, _ in node.lines] + [pictures_w]) + 2 * PAD
        node.h = len(node.lines) * LINE_H + 2 * PAD - 4
        if sizes:
            node.h += max(h for _, h in sizes) + PICTURE_GAP


def port_offset(node, port):
    """The port's height above (negative) or below the gate's centre."""
    if port is None or node.ports <= 1:
        return 0.0
    return (port - (node.ports - 1) / 2) * PORT_STEP


class _Slot:
    """One item of a layer: a node, or a wire's dummy point."""

    __slots__ = ("node", "wire", "h", "top", "left", "right")

    def __init__(self, node=None, wire=None):
        self.node, self.wire = node, wire
        self.h = node.h if node is not None else 0.0
        self.top = 0.0
        self.left, self.right = [], []  # (neighbour slot, my y offset, its y offset, sort weight)

    def centre(self):
        return self.top + self.h / 2


def _layers(nodes, wires):
    by_key = {n.key: n for n in nodes}
    incoming = {n.key: [] for n in nodes}
    outgoing = {n.key: [] for n in nodes}
    for w in wires:
        incoming[w.dst].append(w)
        outgoing[w.src].append(w)
    for n in nodes:  # forward order
        n.layer = max((by_key[w.src].layer for w in incoming[n.key]), default=-1) + 1
    for n in nodes:
        if not incoming[n.key] and outgoing[n.key]:
            n.layer = min(by_key[w.dst].layer for w in outgoing[n.key]) - 1
    return by_key


def layout(nodes, wires):
    """Place ``nodes`` (sets x, y, w, h) and route ``wires``; returns (width, height)."""
    for n in nodes:
        size(n)
    by_key = _layers(nodes, wires)
    count = max(n.layer for n in nodes) + 1
    layers = [[] for _ in range(count)]
    slot_of = {}
    for n in nodes:
        slot_of[n.key] = _Slot(node=n)
        layers[n.layer].append(slot_of[n.key])
    chains = {}
    for w in wires:
        src, dst = by_key[w.src], by_key[w.dst]
        chain = [slot_of[w.src]]
        for layer in range(src.layer + 1, dst.layer):
            dummy = _Slot(wire=w)
            layers[layer].append(dummy)
            chain.append(dummy)
        chain.append(slot_of[w.dst])
        chains[id(w)] = chain
        for i, (a, b) in enumerate(zip(chain, chain[1:])):
            a_off = 0.0  # a box or gate sends every wire from its middle
            b_off = port_offset(dst, w.port) if i == len(chain) - 2 else 0.0
            weight = (w.port + 1) / (dst.ports + 1) - 0.5 if b.node is dst and w.port is not None else 0.0
            a.right.append((b, a_off, b_off, weight))
            b.left.append((a, b_off, a_off, 0.0))
    _order(layers)
    _rows(layers)
    return _columns(layers, wires, chains, by_key)


def _order(layers):
    """Barycentre sweeps; keeps the order with the fewest crossings."""
    best, best_crossings = [list(layer) for layer in layers], _crossings(layers)
    for sweep in range(8):
        forward = sweep % 2 == 0
        sequence = range(1, len(layers)) if forward else range(len(layers) - 2, -1, -1)
        for i in sequence:
            rank = {id(s): r for r, s in enumerate(layers[i - 1 if forward else i + 1])}
            position = {id(s): r for r, s in enumerate(layers[i])}

            def key(slot):
                links = slot.left if forward else slot.right
                marks = [rank[id(other)] + weight for other, _, _, weight in links]
                return sum(marks) / len(marks) if marks else position[id(slot)]

            layers[i].sort(key=key)
        crossings = _crossings(layers)
        if crossings < best_crossings:
            best, best_crossings = [list(layer) for layer in layers], crossings
    layers[:] = best


def _crossings(layers):
    total = 0
    for left, right in zip(layers, layers[1:]):
        rank = {id(s): r for r, s in enumerate(right)}
        segments = [(a_rank, rank[id(b)] + weight)
                    for a_rank, a in enumerate(left) for b, _, _, weight in a.right]
        total += sum(1 for i, (a1, b1) in enumerate(segments) for a2, b2 in segments[i + 1:]
                     if (a1 - a2) * (b1 - b2) < 0)
    return total


def _gap(upper, lower):
    return ROW_GAP if upper.node is not None and lower.node is not None else DUMMY_GAP


def _rows(layers):
    """Tops of every slot: each layer near its neighbours, in order, spaced."""
    for layer in layers:
        _place(layer, [None] * len(layer))
    for sweep in range(12):
        sequence = layers if sweep % 2 == 0 else layers[::-1]
        for layer in sequence:
            desired = []
            for slot in layer:
                links = slot.left if sweep % 2 == 0 else slot.right
                if not links:
                    links = slot.right if sweep % 2 == 0 else slot.left
                ys = [other.centre() + other_off - my_off for other, my_off, other_off, _ in links]
                desired.append(sum(ys) / len(ys) - slot.h / 2 if ys else None)
            _place(layer, desired)
    low = min(s.top for layer in layers for s in layer)
    for layer in layers:
        for s in layer:
            s.top += MARGIN - low


def _place(layer, desired):
    """Least-squares tops near ``desired`` (None: keep), keeping order and spacing."""
    offsets, total = [], 0.0
    for i, slot in enumerate(layer):
        offsets.append(total)
        if i + 1 < len(layer):
            total += slot.h + _gap(slot, layer[i + 1])
    targets = [(slot.top if d is None else d) - off for slot, d, off in zip(layer, desired, offsets)]
    blocks = []  # pool adjacent violators: [mean, count]
    for value in targets:
        blocks.append([value, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v, c = blocks.pop()
            blocks[-1] = [(blocks[-1][0] * blocks[-1][1] + v * c) / (blocks[-1][1] + c), blocks[-1][1] + c]
    fitted = [mean for mean, count in blocks for _ in range(count)]
    for slot, z, off in zip(layer, fitted, offsets):
        slot.top = z + off


def _columns(layers, wires, chains, by_key):
    """x of every column (gaps wide enough for the wire labels), node positions, routes."""
    gaps = [MIN_GAP] * max(len(layers) - 1, 0)
    for w in wires:
        src, dst = by_key[w.src], by_key[w.dst]
        source_stub, target_stub = label_widths(w)
        if dst.layer - src.layer == 1:
            gaps[src.layer] = max(gaps[src.layer], source_stub + target_stub + LABEL_SLACK)
        else:
            gaps[src.layer] = max(gaps[src.layer], source_stub + LABEL_SLACK)
            gaps[dst.layer - 1] = max(gaps[dst.layer - 1], target_stub + LABEL_SLACK)
    lefts, widths, x = [], [], MARGIN
    for i, layer in enumerate(layers):
        width = max((s.node.w for s in layer if s.node is not None), default=0.0)
        lefts.append(x)
        widths.append(width)
        x += width + (gaps[i] if i < len(gaps) else 0)
    for i, layer in enumerate(layers):
        for s in layer:
            if s.node is not None:
                s.node.x, s.node.y = lefts[i] + (widths[i] - s.node.w) / 2, s.top
    for w in wires:
        w.route = _route(w, chains[id(w)], by_key, lefts, widths)
    height = max(s.top + s.h for layer in layers for s in layer) + MARGIN
    return x + MARGIN, height


def label_widths(wire):
    """Room the wire's labels need where it leaves its source and where it enters its gate."""
    source = max((text_width(t) for t in wire.source_label or () if t), default=0.0)
    target = 0.0
    if wire.target_label is not None:
        share, role = wire.target_label
        target = (text_width(share) if share else 0.0) + (text_width(role, 6) + 4 if role else 0.0)
    return (source + 8 if source else 0.0), (target + 8 if target else 0.0)


def _route(wire, chain, by_key, lefts, widths):
    src, dst = by_key[wire.src], by_key[wire.dst]
    source_stub, target_stub = label_widths(wire)
    y = src.y + src.h / 2
    points = [(src.x + src.w, y), (lefts[src.layer] + widths[src.layer], y)]
    if source_stub:
        points.append((points[-1][0] + source_stub, y))
    for slot in chain[1:-1]:
        layer = src.layer + chain.index(slot)
        y = slot.top
        points += [(lefts[layer], y), (lefts[layer] + widths[layer], y)]
    y = dst.y + dst.h / 2 + port_offset(dst, wire.port)
    if dst.kind == "gate":
        radius = dst.w / 2
        end_x = dst.x + radius - math.sqrt(max(radius ** 2 - (y - dst.y - radius) ** 2, 0.0))
    else:
        end_x = dst.x
    left = lefts[dst.layer]
    if target_stub:
        points.append((left - target_stub, y))
    points += [(left, y), (end_x, y)]
    return points
