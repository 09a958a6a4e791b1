"""Training: the ``fit`` loop, its callbacks, run directories and checkpoints."""
from .callbacks import Callback, EpochSummary, MetricsLogger, PlotCurves, ProgressBar
from .config import ConfigError, TrainConfig
from .loop import Evaluation, History, NonFiniteLossError, TrainingRun, TrainState, evaluate, fit

__all__ = [
    "Callback", "ConfigError", "EpochSummary", "Evaluation", "History", "MetricsLogger",
    "NonFiniteLossError", "PlotCurves", "ProgressBar", "TrainConfig", "TrainState",
    "TrainingRun", "evaluate", "fit",
]
