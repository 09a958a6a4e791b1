"""Reference answers to the exercises: kept in the tests, never in the stubs."""
import textwrap

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
