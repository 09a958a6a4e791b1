"""Loss modules: ``loss_fn = CrossEntropyLoss(); loss = loss_fn(scores, target)``.

Each holds its options and calls the function of the same name in
``chainrule.nn.functional``; see there for shapes and formulas.
"""
from . import functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = reduction


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of (N, C) scores and (N,) class indices (fused, stable)."""

    def __init__(self, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction)
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.reduction, self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of (N, C) log-probabilities and (N,) class indices."""

    def forward(self, input, target):
        return F.nll_loss(input, target, self.reduction)


class MSELoss(_Loss):
    """Squared error averaged over every element (or summed, or per element)."""

    def forward(self, input, target):
        return F.mse_loss(input, target, self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities."""

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of raw scores (sigmoid applied stably inside)."""

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.reduction)


class MultiMarginLoss(_Loss):
    """Multiclass hinge (SVM) loss of (N, C) scores and (N,) class indices."""

    def __init__(self, p=1, margin=1.0, reduction="mean"):
        super().__init__(reduction)
        self.p = p
        self.margin = margin

    def forward(self, input, target):
        return F.multi_margin_loss(input, target, self.p, self.margin, self.reduction)


class QuadraticCost(Module):
    """The quadratic cost of docs/math.md (section 2), C = 1/(2N) sum_x ||y(x) - a(x)||^2 (one-hot or class-index targets).

    Not ``MSELoss()``: that one averages over the C outputs too and has no 1/2, so its
    gradient is 2/C times this one's. See ``chainrule.nn.functional.quadratic_cost``.
    """

    def forward(self, output, target):
        return F.quadratic_cost(output, target)
