import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.ops.loss import cross_entropy_composed

rng = np.random.default_rng(2)
SCORES = rng.standard_normal((6, 5)) * 2
CLASSES = np.array([4, 0, 1, 1, 3, 2])
TARGETS = rng.uniform(0, 1, (6, 5))
LOG_PROBS = SCORES - np.log(np.exp(SCORES).sum(axis=1, keepdims=True))
POS_WEIGHT = np.array([1.0, 2.0, 3.0, 0.5, 1.5])
CLASS_WEIGHT = np.array([0.2, 1.0, 2.0, 0.5, 3.0])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_fused_cross_entropy_matches_composed(reduction, smoothing):
    fused_in = cr.tensor(SCORES, requires_grad=True)
    composed_in = cr.tensor(SCORES, requires_grad=True)
    fused = nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing)(fused_in, CLASSES)
    composed = cross_entropy_composed(composed_in, CLASSES, reduction, smoothing)
    np.testing.assert_allclose(fused.data, composed.data, rtol=1e-13, atol=1e-14)
    upstream = rng.standard_normal(fused.shape)
    fused.backward(upstream)
    composed.backward(upstream)
    np.testing.assert_allclose(fused_in.grad, composed_in.grad, rtol=1e-12, atol=1e-14)
    assert composed.grad_fn is not fused.grad_fn and type(fused.grad_fn).__name__ == "CrossEntropy"


@pytest.mark.filterwarnings("ignore:size_average and reduce args will be deprecated")  # PyTorch's notes
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
def test_loss_modules_match_torch_modules(check_torch_parity):
    torch = pytest.importorskip("torch")
    tn = torch.nn
    probs = 1 / (1 + np.exp(-SCORES))
    cases = [
        (nn.CrossEntropyLoss(label_smoothing=0.1), tn.CrossEntropyLoss(label_smoothing=0.1), [SCORES, CLASSES]),
        (nn.NLLLoss(reduction="sum"), tn.NLLLoss(reduction="sum"), [SCORES, CLASSES]),
        (nn.MSELoss(), tn.MSELoss(), [SCORES, TARGETS]),
        (nn.BCELoss(reduction="none"), tn.BCELoss(reduction="none"), [probs, TARGETS]),
        (nn.BCEWithLogitsLoss(), tn.BCEWithLogitsLoss(), [SCORES, TARGETS]),
        (nn.MultiMarginLoss(p=2, margin=2.0), tn.MultiMarginLoss(p=2, margin=2.0), [SCORES, CLASSES]),
        (nn.L1Loss(), tn.L1Loss(), [SCORES, TARGETS]),
        (nn.SmoothL1Loss(beta=0.5, reduction="sum"), tn.SmoothL1Loss(beta=0.5, reduction="sum"), [SCORES, TARGETS]),
        (nn.HuberLoss(delta=2.0), tn.HuberLoss(delta=2.0), [SCORES, TARGETS]),
        (nn.KLDivLoss(reduction="batchmean"), tn.KLDivLoss(reduction="batchmean"), [LOG_PROBS, TARGETS]),
        (nn.KLDivLoss(log_target=True), tn.KLDivLoss(log_target=True), [LOG_PROBS, LOG_PROBS[::-1].copy()]),
        (nn.BCEWithLogitsLoss(pos_weight=cr.tensor(POS_WEIGHT)),
         tn.BCEWithLogitsLoss(pos_weight=torch.from_numpy(POS_WEIGHT)), [SCORES, TARGETS]),
        (nn.CrossEntropyLoss(weight=cr.tensor(CLASS_WEIGHT), ignore_index=1, label_smoothing=0.2),
         tn.CrossEntropyLoss(weight=torch.from_numpy(CLASS_WEIGHT), ignore_index=1, label_smoothing=0.2),
         [SCORES, CLASSES]),
        (nn.NLLLoss(weight=cr.tensor(CLASS_WEIGHT), size_average=False),
         tn.NLLLoss(weight=torch.from_numpy(CLASS_WEIGHT), size_average=False), [LOG_PROBS, CLASSES]),
    ]
    for ours, theirs, arrays in cases:
        check_torch_parity(ours, theirs, arrays)
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())  # weight and pos_weight are buffers


def test_quadratic_cost_module():
    out = cr.tensor(TARGETS, requires_grad=True)
    cost = nn.QuadraticCost()(out, CLASSES)
    expected = 0.5 * ((TARGETS - np.eye(5)[CLASSES]) ** 2).sum() / 6
    assert cost.item() == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("params", [
    {}, {"reduction": "sum"}, {"reduction": "none"}, {"label_smoothing": 0.3},
    {"weight": CLASS_WEIGHT, "label_smoothing": 0.1}, {"weight": CLASS_WEIGHT, "reduction": "none"},
])
def test_class_probability_targets_match_torch_to_1e_12(params):
    """Soft targets (here TARGETS, not normalized, as PyTorch allows) and their gradients too."""
    torch = pytest.importorskip("torch")
    ours_x, ours_q = cr.tensor(SCORES, requires_grad=True), cr.tensor(TARGETS, requires_grad=True)
    theirs_x, theirs_q = torch.tensor(SCORES, requires_grad=True), torch.tensor(TARGETS, requires_grad=True)
    weight = params.pop("weight", None)
    ours = nn.CrossEntropyLoss(None if weight is None else cr.tensor(weight), **params)(ours_x, ours_q)
    theirs = torch.nn.CrossEntropyLoss(None if weight is None else torch.tensor(weight), **params)(theirs_x, theirs_q)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
    upstream = rng.standard_normal(ours.shape)
    ours.backward(upstream)
    theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(ours_x.grad, theirs_x.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours_q.grad, theirs_q.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_class_probability_targets_gradcheck_and_edges():
    report = cr.autograd.gradcheck(lambda x, q: nn.functional.cross_entropy(x, q, label_smoothing=0.2),
                                   [SCORES, TARGETS])
    assert report.ok and report.positions == [0, 1]
    one_hot = np.eye(5)[CLASSES]  # one-hot probabilities give the class-index loss
    np.testing.assert_allclose(nn.functional.cross_entropy(cr.tensor(SCORES), one_hot).item(),
                               nn.functional.cross_entropy(cr.tensor(SCORES), CLASSES).item(), rtol=1e-14)
    empty = nn.functional.cross_entropy(cr.zeros(0, 5, dtype=cr.float64), np.zeros((0, 5)))
    assert np.isnan(empty.item())  # as PyTorch's
    with pytest.raises(ValueError, match="cross_entropy: ignore_index=2 is not supported for class-probability"):
        nn.functional.cross_entropy(cr.tensor(SCORES), TARGETS, ignore_index=2)
    assert nn.functional.cross_entropy(cr.tensor(SCORES), TARGETS, ignore_index=-1).dtype == np.float64
