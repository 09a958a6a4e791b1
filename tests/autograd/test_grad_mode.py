"""no_grad, enable_grad, set_grad_enabled: as context managers and decorators."""
import chainrule as cr


def test_no_grad_context_records_no_graph():
    x = cr.tensor([1.0], requires_grad=True)
    with cr.no_grad():
        y = x * 2
        assert not cr.is_grad_enabled()
    assert cr.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_enable_grad_inside_no_grad():
    x = cr.tensor([1.0], requires_grad=True)
    with cr.no_grad():
        with cr.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and not z.requires_grad


def test_decorators_with_and_without_parentheses():
    x = cr.tensor([1.0], requires_grad=True)

    @cr.no_grad()
    def called():
        return x * 2

    @cr.no_grad
    def bare():
        return x * 2

    @cr.enable_grad
    def enabled():
        return x * 2

    assert not called().requires_grad and not bare().requires_grad
    assert bare.__name__ == "bare"
    with cr.no_grad():
        assert enabled().requires_grad
    assert cr.is_grad_enabled()


def test_mode_is_restored_after_an_exception():
    try:
        with cr.no_grad():
            raise KeyError
    except KeyError:
        pass
    assert cr.is_grad_enabled()


def test_set_grad_enabled():
    x = cr.tensor([1.0], requires_grad=True)
    with cr.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    cr.set_grad_enabled(False)
    assert not cr.is_grad_enabled()
    cr.set_grad_enabled(True)
    assert cr.is_grad_enabled()
