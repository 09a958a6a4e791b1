"""Reverse-mode automatic differentiation: grad mode, ``Function``, the engine, gradcheck."""
from .engine import backward
from .function import Function, FreedGraphError, ShapeError
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, GradcheckReport, gradcheck

__all__ = [
    "Function",
    "FreedGraphError",
    "GradcheckError",
    "GradcheckReport",
    "ShapeError",
    "backward",
    "enable_grad",
    "gradcheck",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]
