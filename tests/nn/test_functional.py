import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import ShapeError, gradcheck
from chainrule.nn import functional as F

rng = np.random.default_rng(0)
SCORES = rng.standard_normal((5, 4)) * 3
CLASSES = np.array([0, 3, 1, 3, 2])
PROBS = rng.uniform(0.05, 0.95, (5, 4))
BINARY = rng.uniform(0, 1, (5, 4))
REDUCTIONS = ["mean", "sum", "none"]


def class_loss(fn, **kw):
    """A float64 loss of the scores alone, for gradcheck."""
    return lambda x: fn(x, CLASSES, **kw)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_gradcheck(reduction, smoothing):
    gradcheck(class_loss(F.cross_entropy, reduction=reduction, label_smoothing=smoothing), SCORES)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_class_losses_gradcheck(reduction):
    gradcheck(class_loss(F.nll_loss, reduction=reduction), SCORES)
    gradcheck(class_loss(F.multi_margin_loss, reduction=reduction), SCORES)
    gradcheck(class_loss(F.multi_margin_loss, reduction=reduction, p=2, margin=0.7), SCORES)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_pair_losses_gradcheck_in_both_inputs(reduction):
    gradcheck(lambda x, t: F.mse_loss(x, t, reduction=reduction), (SCORES, BINARY))
    gradcheck(lambda p, t: F.binary_cross_entropy(p, t, reduction=reduction), (PROBS, BINARY))
    gradcheck(lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=reduction), (SCORES, BINARY))


def test_activations_gradcheck():
    for fn in (F.relu, F.sigmoid, F.tanh, lambda x: F.leaky_relu(x, 0.2),
               lambda x: F.softmax(x, 1), lambda x: F.log_softmax(x, 0)):
        gradcheck(fn, SCORES)


def test_cross_entropy_backward_is_softmax_minus_one_hot_over_n():
    logits = cr.tensor(SCORES, requires_grad=True)
    F.cross_entropy(logits, CLASSES).backward()
    expected = (F.softmax(cr.tensor(SCORES), 1).detach().numpy() - np.eye(4)[CLASSES]) / 5
    np.testing.assert_allclose(logits.grad, expected, rtol=1e-14, atol=1e-15)


def test_cross_entropy_is_stable_for_huge_scores():
    logits = cr.tensor([[1000.0, 0.0], [-1000.0, 1000.0]], requires_grad=True)
    loss = F.cross_entropy(logits, [1, 1], reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [1000.0, 0.0])
    loss.sum().backward()
    assert np.isfinite(logits.grad.numpy()).all()


def test_losses_keep_float32():
    x = cr.tensor(SCORES.astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(x, CLASSES)
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32
    assert F.mse_loss(x, BINARY).dtype == np.float32  # float64 target cast to the input's dtype


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_matches_torch(check_torch_parity, reduction, smoothing):
    torch = pytest.importorskip("torch")
    check_torch_parity(
        lambda x, t: F.cross_entropy(x, t, reduction=reduction, label_smoothing=smoothing),
        lambda x, t: torch.nn.functional.cross_entropy(x, t, reduction=reduction, label_smoothing=smoothing),
        [SCORES, CLASSES],
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_other_losses_match_torch(check_torch_parity, reduction):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    check_torch_parity(lambda x, t: F.nll_loss(x, t, reduction=reduction),
                       lambda x, t: tf.nll_loss(x, t, reduction=reduction), [SCORES, CLASSES])
    check_torch_parity(lambda x, t: F.mse_loss(x, t, reduction=reduction),
                       lambda x, t: tf.mse_loss(x, t, reduction=reduction), [SCORES, BINARY])
    check_torch_parity(lambda p, t: F.binary_cross_entropy(p, t, reduction=reduction),
                       lambda p, t: tf.binary_cross_entropy(p, t, reduction=reduction), [PROBS, BINARY])
    check_torch_parity(lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=reduction),
                       lambda x, t: tf.binary_cross_entropy_with_logits(x, t, reduction=reduction),
                       [SCORES, BINARY])
    for p, margin in ((1, 1.0), (2, 0.5)):
        check_torch_parity(
            lambda x, t: F.multi_margin_loss(x, t, p, margin, reduction=reduction),
            lambda x, t: tf.multi_margin_loss(x, t, p=p, margin=margin, reduction=reduction),
            [SCORES, CLASSES],
        )


def test_bce_at_the_edges_matches_torch():
    torch = pytest.importorskip("torch")
    probs = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    targets = np.array([0.0, 1.0, 1.0, 0.0, 0.3])
    ours = F.binary_cross_entropy(cr.tensor(probs), cr.tensor(targets), reduction="none").detach().numpy()
    theirs = torch.nn.functional.binary_cross_entropy(
        torch.tensor(probs), torch.tensor(targets), reduction="none").numpy()
    np.testing.assert_allclose(ours, theirs)


def test_activations_match_torch(check_torch_parity):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    pairs = [(F.relu, tf.relu), (F.sigmoid, torch.sigmoid), (F.tanh, torch.tanh),
             (lambda x: F.leaky_relu(x, 0.1), lambda x: tf.leaky_relu(x, 0.1)),
             (lambda x: F.softmax(x, 1), lambda x: tf.softmax(x, 1)),
             (lambda x: F.log_softmax(x, 1), lambda x: tf.log_softmax(x, 1))]
    for ours, theirs in pairs:
        check_torch_parity(ours, theirs, [SCORES])


def test_linear_matches_torch(check_torch_parity):
    torch = pytest.importorskip("torch")
    arrays = [rng.standard_normal(s) for s in ((3, 2, 4), (5, 4), (5,))]
    check_torch_parity(F.linear, torch.nn.functional.linear, arrays)


def test_quadratic_cost_is_half_squared_error_averaged_over_examples():
    output = np.array([[0.2, 0.7], [0.9, 0.4], [0.5, 0.5]])
    target = np.array([1, 0, 1])
    expected = 0.5 * ((0.2**2 + 0.3**2) + (0.1**2 + 0.4**2) + (0.5**2 + 0.5**2)) / 3
    a = cr.tensor(output, requires_grad=True)
    cost = F.quadratic_cost(a, target)
    assert cost.item() == pytest.approx(expected, rel=1e-14)
    cost.backward()
    np.testing.assert_allclose(a.grad, (output - np.eye(2)[target]) / 3, rtol=1e-14)  # (a - y)/N
    one_hot_cost = F.quadratic_cost(cr.tensor(output), np.eye(2)[target])
    assert one_hot_cost.item() == pytest.approx(expected, rel=1e-14)
    wide = rng.uniform(0, 1, (6, 10))
    wide_target = np.eye(10)[rng.integers(0, 10, 6)]
    mse = F.mse_loss(cr.tensor(wide), wide_target).item()
    assert F.quadratic_cost(cr.tensor(wide), wide_target).item() == pytest.approx(mse * 10 / 2, rel=1e-13)


def test_one_hot():
    out = F.one_hot(cr.tensor([2, 0, 1]), 4)
    assert out.dtype == np.int64 and out.tolist() == [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]]
    assert F.one_hot(np.array([[1], [2]])).shape == (2, 1, 3)
    with pytest.raises(IndexError, match=r"one_hot: class values must be in \[0, 2\)"):
        F.one_hot(np.array([0, 2]), 2)
    with pytest.raises(TypeError, match="one_hot"):
        F.one_hot(cr.tensor([1.0]))


def test_class_target_errors_name_function_and_shapes():
    x = cr.tensor(SCORES)
    with pytest.raises(ShapeError, match=r"cross_entropy: target of shape \(4,\) does not match input of shape \(5, 4\)"):
        F.cross_entropy(x, CLASSES[:4])
    with pytest.raises(TypeError, match="nll_loss: target must hold class indices of an integer dtype.*float64"):
        F.nll_loss(x, CLASSES.astype(float))
    with pytest.raises(IndexError, match=r"multi_margin_loss: target class 4 is out of range for input of shape \(5, 4\)"):
        F.multi_margin_loss(x, CLASSES + 1)
    with pytest.raises(ShapeError, match=r"cross_entropy: input must have shape \(N, C\)"):
        F.cross_entropy(cr.tensor(SCORES[0]), CLASSES[:1])
    with pytest.raises(ValueError, match="mse_loss: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        F.mse_loss(x, x, reduction="avg")
    with pytest.raises(ShapeError, match=r"mse_loss: target of shape \(5,\) does not match input of shape \(5, 4\)"):
        F.mse_loss(x, np.zeros(5))
    with pytest.raises(ValueError, match="binary_cross_entropy: input values must be probabilities"):
        F.binary_cross_entropy(x, BINARY)
    with pytest.raises(ValueError, match="quadratic_cost: target of shape"):
        F.quadratic_cost(x, CLASSES[:3])


WEIGHT = np.array([0.5, 2.0, 1.0, 3.0])


def cast(torch_weight, x):
    """A PyTorch weight in the dtype of the input ``x`` (PyTorch does not promote them)."""
    return None if torch_weight is None else torch_weight.to(x.dtype)
IGNORING = np.array([0, -100, 1, 3, 2])
OTHER_IGNORED = np.array([0, 3, 1, 3, 2])  # with ignore_index=3


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weight, target, ignore_index", [
    (WEIGHT, CLASSES, -100), (None, IGNORING, -100), (WEIGHT, IGNORING, -100), (WEIGHT, OTHER_IGNORED, 3),
])
def test_cross_entropy_weight_and_ignore_index_match_torch(check_torch_parity, reduction, smoothing, weight,
                                                           target, ignore_index):
    torch = pytest.importorskip("torch")
    options = dict(ignore_index=ignore_index, reduction=reduction)
    torch_weight = None if weight is None else torch.from_numpy(weight)
    for dtype in (np.float64, np.float32):
        check_torch_parity(
            lambda x, t: F.cross_entropy(x, t, weight, label_smoothing=smoothing, **options),
            lambda x, t: torch.nn.functional.cross_entropy(x, t, cast(torch_weight, x), label_smoothing=smoothing,
                                                           **options),
            [SCORES, target], dtype)
        check_torch_parity(
            lambda x, t: F.nll_loss(F.log_softmax(x, 1), t, weight, **options),
            lambda x, t: torch.nn.functional.nll_loss(torch.log_softmax(x, 1), t, cast(torch_weight, x), **options),
            [SCORES, target], dtype)
    gradcheck(lambda x: F.cross_entropy(x, target, weight, label_smoothing=smoothing, **options), SCORES)


def test_cross_entropy_of_a_fully_ignored_batch_is_nan_like_torch():
    loss = F.cross_entropy(cr.tensor(SCORES), np.full(5, -100))
    assert np.isnan(loss.item())
    assert F.cross_entropy(cr.tensor(SCORES), np.full(5, -100), reduction="sum").item() == 0


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_weight_and_pos_weight_match_torch(check_torch_parity, reduction):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    pos_weight, weight = np.array([1.0, 3.0, 0.5, 2.0]), rng.uniform(0.1, 2, (5, 4))
    for ours_kw, theirs_kw in [
        ({"pos_weight": pos_weight}, {"pos_weight": torch.from_numpy(pos_weight)}),
        ({"weight": weight, "pos_weight": pos_weight},
         {"weight": torch.from_numpy(weight), "pos_weight": torch.from_numpy(pos_weight)}),
        ({"weight": weight[0]}, {"weight": torch.from_numpy(weight[0])}),
    ]:
        for dtype in (np.float64, np.float32):
            check_torch_parity(
                lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=reduction, **ours_kw),
                lambda x, t: tf.binary_cross_entropy_with_logits(
                    x, t, reduction=reduction, **{k: cast(v, x) for k, v in theirs_kw.items()}),
                [SCORES, BINARY], dtype)
        gradcheck(lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=reduction, **ours_kw),
                  (SCORES, BINARY))
    check_torch_parity(lambda p, t: F.binary_cross_entropy(p, t, weight, reduction=reduction),
                       lambda p, t: tf.binary_cross_entropy(p, t, torch.from_numpy(weight), reduction=reduction),
                       [PROBS, BINARY])


def test_legacy_size_average_and_reduce_flags_pick_the_reduction():
    x = cr.tensor(SCORES)
    total = F.mse_loss(x, BINARY, reduction="sum").item()
    assert F.mse_loss(x, BINARY, size_average=False).item() == total
    assert F.mse_loss(x, BINARY, reduce=False).shape == (5, 4)
    assert F.mse_loss(x, BINARY, size_average=True).item() == pytest.approx(total / 20)


def test_class_weight_must_have_one_value_per_class():
    with pytest.raises(ValueError, match=r"cross_entropy: weight of shape \(3,\) must have one value per class, \(4,\)"):
        F.cross_entropy(cr.tensor(SCORES), CLASSES, np.ones(3))
    with pytest.raises(IndexError, match="cross_entropy: target class -1 is out of range"):
        F.cross_entropy(cr.tensor(SCORES), np.array([0, -1, 1, 2, 3]))


SOFT_TARGETS = rng.dirichlet(np.ones(4), 5)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"label_smoothing": 0.2}, {"weight": [0.5, 1.0, 2.0, 1.5]}])
def test_cross_entropy_with_class_probabilities_matches_pytorch(check_torch_parity, reduction, options):
    """Soft targets (N, C) of a float dtype, as mixup and distillation pass; the target gets a
    gradient too. Weights are (C,) tensors in both libraries."""
    torch = pytest.importorskip("torch")
    ours = {k: cr.tensor(v) if k == "weight" else v for k, v in options.items()}
    theirs = {k: torch.tensor(v, dtype=torch.float64) if k == "weight" else v for k, v in options.items()}
    check_torch_parity(lambda x, q: F.cross_entropy(x, q, reduction=reduction, **ours),
                       lambda x, q: torch.nn.functional.cross_entropy(x, q, reduction=reduction, **theirs),
                       [SCORES, SOFT_TARGETS])
    gradcheck(lambda x: F.cross_entropy(x, SOFT_TARGETS, reduction=reduction, **ours), SCORES)


@pytest.mark.parametrize("options", [{}, {"dim": 0}, {"p": 1, "dim": -1}])
def test_normalize_matches_pytorch(check_torch_parity, options):
    torch = pytest.importorskip("torch")
    check_torch_parity(lambda x: F.normalize(x, **options), lambda x: torch.nn.functional.normalize(x, **options),
                       [SCORES])
    zero_row = np.vstack([SCORES, np.zeros(4)])
    np.testing.assert_array_equal(F.normalize(cr.tensor(zero_row)).numpy()[-1], 0.0)  # eps keeps it finite
    gradcheck(lambda x: F.normalize(x, **options), SCORES)


@pytest.mark.parametrize("dim", [1, 0, -1])
def test_cosine_similarity_matches_pytorch(check_torch_parity, dim):
    torch = pytest.importorskip("torch")
    check_torch_parity(lambda a, b: F.cosine_similarity(a, b, dim=dim),
                       lambda a, b: torch.nn.functional.cosine_similarity(a, b, dim=dim), [SCORES, PROBS])
    gradcheck(lambda a: F.cosine_similarity(a, PROBS, dim=dim), SCORES)
