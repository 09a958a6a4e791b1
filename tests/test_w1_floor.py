"""benchmarks/w1_floor.py: its plain NumPy step is w1's step, so its time is a fair floor."""
import numpy as np

import chainrule as cr
import chainrule.nn.functional as F
from benchmarks.w1_floor import plain_step


def test_the_plain_step_updates_the_weights_as_chainrules_w1_step():
    rng = np.random.default_rng(1)
    params = [rng.standard_normal((30, 784)), rng.standard_normal(30), rng.standard_normal((10, 30)),
              rng.standard_normal(10)]
    x, y = rng.random((10, 784)), np.eye(10)[rng.integers(0, 10, 10)]
    model = cr.nn.Sequential(cr.nn.Linear(784, 30), cr.nn.Sigmoid(), cr.nn.Linear(30, 10), cr.nn.Sigmoid()).double()
    with cr.no_grad():
        for p, value in zip(model.parameters(), params):
            p.copy_(cr.tensor(value))
    optimizer = cr.optim.SGD(model.parameters(), lr=3.0)
    for _ in range(3):
        optimizer.zero_grad()
        F.quadratic_cost(model(cr.tensor(x)), cr.tensor(y)).backward()
        optimizer.step()
        plain_step(params, x, y, 3.0, [np.empty(s) for s in ((10, 30), (10, 10), (10, 10), (10, 30), (30, 784), (10, 30))])
    for p, value in zip(model.parameters(), params):
        np.testing.assert_allclose(p.detach().numpy(), value, rtol=0, atol=1e-12)
