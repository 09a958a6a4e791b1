"""``Dropout2d``: channel-wise dropout in training mode, the identity in eval mode."""
from . import functional as F
from .dropout import Dropout


class Dropout2d(Dropout):
    """Zeroes each whole channel of (N, C, H, W) with probability ``p`` during training and
    scales the others by 1/(1-p); in eval mode returns its input. Seeded by ``manual_seed``."""

    def forward(self, x):
        return F.dropout2d(x, self.p, self.training)
