"""``chainrule.backends.mps``: Apple's Metal backend is not available."""


def is_available():
    """False: chainrule computes on the CPU only."""
    return False


def is_built():
    """False: chainrule has no MPS backend."""
    return False
