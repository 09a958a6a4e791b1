"""``Flatten``: merge dims start_dim..end_dim, e.g. (N, 1, 28, 28) -> (N, 784)."""
from .. import ops
from .module import Module


class Flatten(Module):
    """Flattens dims ``start_dim`` to ``end_dim`` (default: all but the batch dim)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x):
        return ops.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
