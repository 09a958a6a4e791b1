"""``Dropout2d``: channel-wise dropout in training mode, the identity in eval mode."""
from . import functional as F
from .module import Module


class Dropout2d(Module):
    """Zeroes each whole channel of (N, C, H, W) with probability ``p`` during training and
    scales the others by 1/(1-p); in eval mode returns its input. Seeded by ``manual_seed``."""

    def __init__(self, p=0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout2d: probability has to be between 0 and 1, but got {p}")
        self.p = p

    def forward(self, x):
        return F.dropout2d(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"
