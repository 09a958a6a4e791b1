"""The playground's training frame: one mini-batch step plus everything the page draws.

A frame of the network view is ``NetworkSession.train(1)`` then ``frame()``: the losses on the
training and test sets, the decision boundary on a 64x64 grid and every neuron's output on its
own grid. The issue's target is a 2-8-8-1 network on 1,000 points in well under 33 ms (30 frames
per second). Also times the frame's JSON encoding (the reply), one ``backward()`` (Step backward) and
the digits view's reply to one drawing (the 8x8 CNN forward and backward, its model trained first
in a temporary cache). Run from the repository root:

    PYTHONPATH=src python benchmarks/playground_frame.py [--points 1000] [--repeat 50]

Prints the median and the best of ``--repeat`` timed frames, in milliseconds.
"""
import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from chainrule.playground.digits import DigitsModel
from chainrule.playground.network import NetworkSession, read_settings


def _time(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    session = NetworkSession(read_settings({"points": args.points, "hidden": [8, 8], "test_fraction": 0.5}))
    session.train(5)  # warm up
    frame = session.frame()
    with tempfile.TemporaryDirectory() as cache:
        digits = DigitsModel.load_or_train(Path(cache))
    drawing = digits.read({"pixels": np.random.default_rng(0).uniform(0, 1, digits.draw ** 2).tolist()})
    rows = [
        ("train(1) + frame()", lambda: (session.train(1), session.frame())),
        ("json.dumps(frame)", lambda: json.dumps({"frame": frame})),
        ("backward()", session.backward),
        ("digits explain()", lambda: json.dumps(digits.explain(drawing))),
    ]
    print(f"2-8-8-1 network, {args.points} points, {args.repeat} timed runs each")
    for name, fn in rows:
        median, best = _time(fn, args.repeat)
        print(f"  {name:<20} median {median:7.2f} ms   best {best:7.2f} ms")


if __name__ == "__main__":
    main()
