"""``chainrule.accelerator``: PyTorch's accelerator queries; chainrule has no accelerator."""


def is_available():
    """False: chainrule computes on the CPU only."""
    return False


def current_accelerator(check_available=False):
    """None, as PyTorch answers without an accelerator."""
    return None


def device_count():
    """0: no accelerator devices."""
    return 0
