"""The layer exercises: each reference answer passes; each classic mistake fails with its hint."""
import pytest

from chainrule import learn

from .answers import assert_feedback


@pytest.mark.parametrize("name", [e.name for e in learn.layers.EXERCISES])
def test_the_reference_answer_passes(name, learner_op):
    report = learn.check_op(learn.exercise(name), learner_op(name))
    assert report.passed, str(report)


PLANTED = [
    ("affine", ("grad.T @ x", "x.T @ grad"),
     ["dw has shape (3, 5), but w has shape (5, 3): it is the transpose of the right shape: a missing or extra transpose"]),
    ("affine", ("grad.sum(axis=0)", "grad"),
     ["db has shape (4, 5), but b has shape (5,)", "it fans out, so its gradient is the upstream gradient summed"]),
    ("affine", ("grad.sum(axis=0)", "grad.sum(axis=1)"), ["db has shape (4,), but b has shape (5,): summed over the wrong axis?"]),
    ("affine", ("grad @ w,", "grad @ w.T,"), ["backward raised ValueError", "shapes: grad (4, 5); x (4, 3), w (5, 3), b (5,)"]),
    ("affine", ("grad @ w,", "-grad @ w,"), ["dx is wrong in 12 of 12 elements", "a sign error"]),
    ("softmax_cross_entropy", ("grad * dlogits / n", "grad * dlogits"),
     ["dlogits is wrong", "the loss is the mean over the batch: divide (p - y) by the number of examples n"]),
    ("softmax_cross_entropy", ("dlogits[np.arange(n), target] -= 1", "pass"), ["you left out the one-hot target y"]),
    ("softmax_cross_entropy", ("grad * dlogits / n", "dlogits / n"), ["you forgot to multiply by the upstream gradient"]),
    ("batch_norm", ("dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))",
                    "dx = inv_std * dx_hat"), ["dx is wrong", "your dx has only the direct path"]),
    ("batch_norm", (" - x_hat * (dx_hat * x_hat).mean(axis=0)", ""), ["missing the path through the variance"]),
    ("batch_norm", (" - dx_hat.mean(axis=0)", ""), ["missing the path through the mean"]),
    ("batch_norm", ("(grad * x_hat).sum(axis=0)", "grad.sum(axis=0)"), ["dgamma is wrong", "gamma multiplies x_hat"]),
    ("batch_norm", ("(grad * x_hat).sum(axis=0)", "grad * x_hat"),
     ["dgamma has shape (6, 3), but gamma has shape (3,)", "summed over those axes"]),
    ("max_pool", ("first = windows.argmax(axis=-1)  # the first maximum in row-major window order\n"
                  "        routed = grad[..., None] * (np.arange(4) == first[..., None])",
                  "routed = grad[..., None] * (windows == windows.max(axis=-1, keepdims=True))"),
     ["case 'ties (values 0 and 1 only)'", "yours goes to every maximum"]),
    ("max_pool", ("(np.arange(4) == first[..., None])", "np.ones(4)"), ["you sent it to all four positions"]),
    ("max_pool", ("(np.arange(4) == first[..., None])", "np.full(4, 0.25)"), ["(that is average pooling)"]),
    ("conv", ("w[:, :, p, q])\n", "w[:, :, k - 1 - p, k - 1 - q])\n"), ["dx is wrong", "yours used the kernel unrotated"]),
    ("conv", ("grad.sum(axis=(0, 2, 3))", "grad.sum(axis=(2, 3))"),
     ["db has shape (2, 3), but b has shape (3,)", "fans out"]),
    ("conv", ("dw[:, :, p, q] =", "dw[:, :, p, q] +="), []),  # the same answer written another way passes
]


@pytest.mark.parametrize("name, bug, words", PLANTED, ids=[f"{p[0]}-{i}" for i, p in enumerate(PLANTED)])
def test_a_planted_mistake_fails_with_its_hint(name, bug, words, learner_op):
    assert_feedback(learner_op(name, replace=bug), name, words)