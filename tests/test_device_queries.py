"""chainrule.cuda, chainrule.accelerator and chainrule.backends answer as PyTorch does on a
machine without CUDA, MPS or any accelerator (issue 11, item 3)."""
import pytest

import chainrule as cr


def test_no_cuda_no_accelerator_no_mps():
    assert cr.cuda.is_available() is False and cr.cuda.device_count() == 0
    assert cr.accelerator.is_available() is False and cr.accelerator.device_count() == 0
    assert cr.accelerator.current_accelerator() is None and cr.accelerator.current_accelerator(True) is None
    assert cr.backends.mps.is_available() is False and cr.backends.mps.is_built() is False
    assert cr.backends.cudnn.is_available() is False


def test_the_usual_device_line_picks_the_cpu():
    device = cr.device("cuda" if cr.cuda.is_available() else "cpu")
    model = cr.nn.Linear(2, 1).to(device)
    assert model(cr.ones(3, 2, device=device)).device == device == cr.device("cpu")


def test_seeding_and_cudnn_flags_change_nothing_as_without_cuda_in_pytorch():
    cr.manual_seed(5)
    expected = cr.rand(3).tolist()
    cr.manual_seed(5)
    cr.cuda.manual_seed(1)
    cr.cuda.manual_seed_all(2)
    assert cr.rand(3).tolist() == expected
    assert (cr.backends.cudnn.enabled, cr.backends.cudnn.deterministic, cr.backends.cudnn.benchmark) == (True, False, False)


def test_the_same_names_and_answers_as_pytorch_without_cuda():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available() or torch.accelerator.is_available():
        pytest.skip("this PyTorch sees an accelerator")
    assert cr.cuda.is_available() == torch.cuda.is_available() and cr.cuda.device_count() == torch.cuda.device_count()
    assert cr.accelerator.device_count() == torch.accelerator.device_count()
    assert cr.accelerator.current_accelerator() == torch.accelerator.current_accelerator()
    for flag in ("enabled", "deterministic", "benchmark"):
        assert getattr(cr.backends.cudnn, flag) == getattr(torch.backends.cudnn, flag)
