"""Reverse-mode automatic differentiation: grad mode, ``Function``, the engine, gradcheck."""
from .anomaly import AnomalyError, detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .engine import backward, queue_callback
from .function import DTypeError, Function, FreedGraphError, ShapeError
from .gradients import grad
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, GradcheckReport, gradcheck
from .variable import Variable

__all__ = [
    "AnomalyError",
    "DTypeError",
    "Function",
    "FreedGraphError",
    "GradcheckError",
    "GradcheckReport",
    "ShapeError",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "inference_mode",
    "grad",
    "gradcheck",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "queue_callback",
    "set_grad_enabled",
    "set_detect_anomaly",
    "Variable",
]
