"""``chainrule.backends.cudnn``: no cuDNN. The flags training scripts set
(``deterministic``, ``benchmark``, ``enabled``) exist with PyTorch's defaults and change
nothing: chainrule's CPU ops are deterministic already."""
enabled = True
deterministic = False
benchmark = False


def is_available():
    """False: there is no cuDNN here."""
    return False
