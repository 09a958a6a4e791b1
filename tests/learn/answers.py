"""Reference answers to the exercises: kept in the tests, never in the stubs."""
import textwrap

from chainrule import learn

SOLUTIONS = {
    "add": "return grad, grad",
    "multiply": "return grad * y, grad * x",
    "max": """
        tie = x == y
        return grad * np.where(tie, 0.5, x > y), grad * np.where(tie, 0.5, y > x)""",
    "sigmoid": "return (grad * s * (1 - s),)",
    "relu": "return (grad * (x > 0),)",
    "staged": """
        dnum = grad * invden
        dinvden = grad * num
        dden = -dinvden / den ** 2
        dsigx = dden
        dxpysqr = dden
        dxpy = 2 * xpy * dxpysqr
        dx = 0.0
        dx += dnum
        dx += sigx * (1 - sigx) * dsigx
        dx += dxpy
        dsigy = dnum
        dy = 0.0
        dy += sigy * (1 - sigy) * dsigy
        dy += dxpy
        return dx, dy""",
}


def with_body(stub, body):
    """The stub with its ``raise NotImplementedError`` line replaced by ``body`` (indented)."""
    lines = stub.splitlines()
    at = next(i for i, line in enumerate(lines) if "raise NotImplementedError" in line)
    lines[at:at + 1] = textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8).splitlines()
    return "\n".join(lines) + "\n"

SOLUTIONS.update({
    "affine": "return grad @ w, grad.T @ x, grad.sum(axis=0)",
    "softmax_cross_entropy": """
        n = len(target)
        dlogits = probs.copy()
        dlogits[np.arange(n), target] -= 1
        return grad * dlogits / n, None""",
    "batch_norm": """
        dbeta = grad.sum(axis=0)
        dgamma = (grad * x_hat).sum(axis=0)
        dx_hat = gamma * grad
        dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))
        return dx, dgamma, dbeta""",
    "max_pool": """
        n, c, h, w = x.shape
        windows = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
        first = windows.argmax(axis=-1)  # the first maximum in row-major window order
        routed = grad[..., None] * (np.arange(4) == first[..., None])
        dx = routed.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h, w)
        return (dx,)""",
    "conv": """
        k = w.shape[2]
        ho, wo = grad.shape[2:]
        dx = np.zeros_like(x)
        dw = np.zeros_like(w)
        for p in range(k):
            for q in range(k):
                dx[:, :, p:p + ho, q:q + wo] += np.einsum("noij,oc->ncij", grad, w[:, :, p, q])
                dw[:, :, p, q] = np.einsum("noij,ncij->oc", grad, x[:, :, p:p + ho, q:q + wo])
        db = grad.sum(axis=(0, 2, 3))
        return dx, dw, db""",
})

SOLUTIONS.update({
    "network": """
        delta2 = grad * (a2 - y) * a2 * (1 - a2) / len(x)
        delta1 = (delta2 @ w2) * a1 * (1 - a1)
        return None, delta1.T @ x, delta1.sum(axis=0), delta2.T @ a1, delta2.sum(axis=0), None""",
    "fadjoint": """
        X2_star = grad * (X2 - target)
        Y2_star = X2_star * X2 * (1 - X2)
        X1_star = W2[:, :-1].T @ Y2_star
        Y1_star = X1_star * X1[:-1] * (1 - X1[:-1])
        return Y1_star @ X0.T, Y2_star @ X1.T, None, None""",
})


def assert_feedback(op, name, words):
    """Checking ``op`` fails with every one of ``words`` in its feedback (passes when there are none)."""
    report = learn.check_op(learn.exercise(name), op)
    text = str(report)
    assert report.passed == (not words), text
    for word in words:
        assert word in text, text

SOLUTIONS.update({
    "modified_neuron": """
        delta2 = grad * (a2 - y) * a2 * (1 - a2) / len(x)
        prime1 = a1 * (1 - a1)
        prime1[:, 0] = 1 - a1[:, 0] ** 2
        delta1 = (delta2 @ w2) * prime1
        return None, delta1.T @ x, delta1.sum(axis=0), delta2.T @ a1, delta2.sum(axis=0), None""",
    "linear_network": """
        delta2 = grad * (a2 - y) / len(x)
        delta1 = delta2 @ w2
        return None, delta1.T @ x, delta1.sum(axis=0), delta2.T @ a1, delta2.sum(axis=0), None""",
})
