"""The configuration of a training run: defaults, then the model's recipe, then a TOML file,
then command-line flags.

Every option is one field of ``TrainConfig``; the CLI builds its ``train`` options from these
fields, so a name, default, choice list or help text lives in one place only.
"""
import dataclasses
import math
import os
import sys
from collections.abc import Mapping

DATASETS = ("digits", "mnist", "fashion-mnist")
LOSSES = ("cross-entropy", "mse")
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULES = ("none", "step", "cosine", "onecycle")
INITS = ("default", "standard_normal", "fan_in_normal")  # chainrule.models.WEIGHT_INITS


# Each model's recipe: the options it trains with where none is given. The README's results
# table gives the accuracy each one reaches and the one command that reproduces it.
_CNN_RECIPE = {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9, "weight_decay": 5e-4,
               "schedule": "cosine", "batch_size": 64, "epochs": 10}
RECIPES = {
    "mlp": {"optimizer": "sgd", "lr": 0.1, "batch_size": 32, "epochs": 20},  # the digits' recipe
    "nielsen": {"loss": "mse", "optimizer": "sgd", "lr": 3.0, "batch_size": 10, "epochs": 30},
    "lenet5": _CNN_RECIPE,
    "cnn_bn": _CNN_RECIPE,
}
# where a model's recipe does not fit a dataset, what changes there: on MNIST's 60,000 images
# the mlp needs docs/math.md's init, L2 and batches of 10 to reach its ~98%
DATASET_RECIPES = {
    ("mlp", "mnist"): {"init": "fan_in_normal", "weight_decay": 5e-5, "batch_size": 10, "epochs": 30},
}
# recipe values that belong to its optimizer: left out when another optimizer is chosen
_OPTIMIZER_SETTINGS = ("lr", "momentum", "weight_decay")


def recipe_of(model, dataset):
    """The options ``model`` trains with on ``dataset`` where none is given: its recipe
    (``RECIPES``) updated by the one for that dataset (``DATASET_RECIPES``)."""
    return {**RECIPES.get(model, {}), **DATASET_RECIPES.get((model, dataset), {})}


class ConfigError(ValueError):
    """A configuration value or file that cannot be used; the message names it."""


def _option(default, kind, help, choices=None, minimum=None):
    meta = {"kind": kind, "help": help, "choices": choices, "minimum": minimum}
    return dataclasses.field(default=default, metadata=meta)


@dataclasses.dataclass
class TrainConfig:
    """Everything that defines a training run (the CLI's ``train`` options)."""

    dataset: str = _option("digits", "str", "Dataset to train on.", DATASETS)
    data_dir: str = _option(
        None, "path", "Folder with the IDX files (MNIST, Fashion-MNIST); default: the cache.")
    download: bool = _option(
        False, "bool", "Download MNIST or Fashion-MNIST into --data-dir (or the cache) if missing.")
    model: str = _option("mlp", "str", "Model name (chainrule.models.MODELS).")
    hidden: tuple = _option(
        None, "ints", "Hidden layer sizes of an MLP, comma separated (e.g. 100 or 128,64).")
    init: str = _option(
        "default", "str",
        "Linear layers' init: the model's own (default), N(0,1) weights and biases "
        "(standard_normal), or N(0,1/n_in) weights and N(0,1) biases (fan_in_normal).", INITS)
    loss: str = _option(
        "cross-entropy", "str",
        "cross-entropy on logits, or mse: the quadratic cost 1/2 ||a - y||^2 per example, "
        "averaged over the batch.", LOSSES)
    optimizer: str = _option("sgd", "str", "Optimizer.", OPTIMIZERS)
    lr: float = _option(0.1, "float", "Learning rate (the peak rate with onecycle).", minimum=0)
    momentum: float = _option(0.0, "float", "Momentum (sgd, rmsprop).", minimum=0)
    weight_decay: float = _option(0.0, "float", "L2 penalty coefficient.", minimum=0)
    schedule: str = _option(
        "none", "str",
        "Learning-rate schedule: step (x0.1 every third of the run), cosine, onecycle.",
        SCHEDULES)
    batch_size: int = _option(32, "int", "Mini-batch size.", minimum=1)
    epochs: int = _option(20, "int", "Number of epochs.", minimum=1)
    seed: int = _option(0, "int", "Random seed (init, shuffling, dropout).", minimum=0)
    threads: int = _option(
        1, "int", "Threads of the BLAS matrix products (0: the BLAS default, every core). One is "
        "fastest for the zoo's small models on a 2-core machine; results depend on it to the "
        "last bit, so a run records it.", minimum=0)
    out: str = _option(None, "path", "Run directory; default: a new timestamped one under runs/.")
    checkpoint_every: int = _option(
        0, "int", "Also save the `last` checkpoint every N steps (0: at epoch ends only).",
        minimum=0)
    quiet: bool = _option(False, "bool", "No progress bar and no per-epoch lines.")
    detect_anomaly: bool = _option(
        False, "bool", "Stop at the first op producing NaN or Inf, naming it (slower).")
    diagnostics: bool = _option(False, "bool", "Record per-layer gradient statistics.")

    def __post_init__(self):
        for field in dataclasses.fields(self):
            setattr(self, field.name, _coerce(field, getattr(self, field.name)))

    @classmethod
    def from_mapping(cls, values, source="config"):
        """A config from a mapping whose keys are option names ('batch-size' or 'batch_size')."""
        try:
            return cls(**_field_names(values, source))
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None

    @classmethod
    def with_recipe(cls, **values):
        """``(config, taken)``: the config of ``values`` where every option they leave out
        comes from the model's recipe on its dataset (``recipe_of``), and ``taken``, the
        recipe's options used.
        A recipe's lr, momentum and weight decay are its optimizer's: with another
        ``optimizer`` they stay at TrainConfig's defaults."""
        recipe = recipe_of(values.get("model", cls.model), values.get("dataset", cls.dataset))
        if values.get("optimizer", recipe.get("optimizer")) != recipe.get("optimizer"):
            recipe = {k: v for k, v in recipe.items() if k not in _OPTIMIZER_SETTINGS}
        taken = {name: value for name, value in recipe.items() if name not in values}
        return cls(**taken, **values), taken

    def to_dict(self):
        """JSON-ready dict with the option names as keys (underscores)."""
        values = dataclasses.asdict(self)
        values["hidden"] = None if self.hidden is None else list(self.hidden)
        return values

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)


def _field_names(values, source):
    """``values`` with option names turned into field names; an unknown one is an error."""
    if not isinstance(values, Mapping):
        raise ConfigError(f"{source}: expected an object of options, got {type(values).__name__} {values!r:.60}")
    known = [f.name for f in dataclasses.fields(TrainConfig)]
    normalised = {}
    for key, value in values.items():
        name = key.replace("-", "_")
        if name not in known:
            valid = ", ".join(n.replace("_", "-") for n in known)
            raise ConfigError(f"{source}: unknown option {key!r}; valid options: {valid}")
        normalised[name] = value
    return normalised


def format_options(values):
    """``{"batch_size": 64, "lr": 0.05}`` as flags: ``--batch-size 64 --lr 0.05``."""
    return " ".join(f"--{name.replace('_', '-')} {value}" for name, value in values.items())


def option_fields():
    """The fields of ``TrainConfig`` with their metadata (for building CLI options)."""
    return dataclasses.fields(TrainConfig)


def _coerce(field, value):
    """``value`` checked against the field's kind, choices and minimum."""
    if value is None:
        if field.metadata["kind"] in ("path", "ints"):
            return None
        raise ConfigError(f"option {_flag(field)} cannot be empty")
    kind, choices, minimum = (field.metadata[k] for k in ("kind", "choices", "minimum"))
    if kind == "ints":
        value = _parse_ints(field, value)
    elif not _has_kind(value, kind):
        raise ConfigError(f"option {_flag(field)} must be {_KIND_NAMES[kind]}, got {value!r}")
    if choices is not None and value not in choices:
        raise ConfigError(f"option {_flag(field)} must be one of {', '.join(choices)}; got {value!r}")
    if kind == "float":
        check_finite(_flag(field), value, minimum)
    if kind == "path":  # absolute: a run's config must mean the same from any folder
        if not value.strip():
            raise ConfigError(f"option {_flag(field)} cannot be an empty path; leave it out for the default")
        return os.path.abspath(os.path.expanduser(value))
    if minimum is not None and value < minimum:
        raise ConfigError(f"option {_flag(field)} must be >= {minimum}, got {value!r}")
    return float(value) if kind == "float" else value


def check_finite(flag, value, minimum=None):
    """A ``ConfigError`` naming the option ``flag`` unless ``value`` is None or finite."""
    if value is not None and not math.isfinite(value):
        bound = "" if minimum is None else f" >= {minimum}"
        raise ConfigError(f"option {flag} must be a finite number{bound}, got {value!r}")


_KIND_NAMES = {"str": "a string", "path": "a path (string)", "int": "an integer",
               "float": "a number", "bool": "true or false"}


def _has_kind(value, kind):
    if kind == "bool":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    return isinstance(value, {"str": str, "path": str, "int": int, "float": (int, float)}[kind])


def _parse_ints(field, value):
    if isinstance(value, str):
        items = [item.strip() for item in value.split(",")]
    else:
        items = list(value) if isinstance(value, (list, tuple)) else [value]
    sizes = [_positive_int(item) for item in items]
    if not sizes or None in sizes:
        raise ConfigError(
            f"option {_flag(field)} must be positive integers like 100 or 128,64; got {value!r}")
    return tuple(sizes)


def _positive_int(item):
    if isinstance(item, str) and item.isdigit():
        item = int(item)
    ok = isinstance(item, int) and not isinstance(item, bool) and item >= 1
    return item if ok else None


def _flag(field):
    return "--" + field.name.replace("_", "-")


def config_file_options(path):
    """The options of the TOML file ``path`` as ``{field name: value}``, each checked (an
    error names the file and the option)."""
    source = f"--config file {path}"
    values = read_config_file(path)
    TrainConfig.from_mapping(values, source)
    return _field_names(values, source)


def read_config_file(path):
    """The options in a TOML file as a dict (``[train]`` table or top level)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        try:
            import tomli as tomllib
        except ImportError:
            raise ImportError(
                "reading TOML configs on Python 3.10 needs tomli: pip install 'chainrule[cli]'"
            ) from None
    if not str(path).strip():
        raise ConfigError("option --config cannot be an empty path")
    try:
        with open(path, "rb") as file:
            document = tomllib.load(file)
    except OSError as exc:
        raise ConfigError(f"--config file {path}: cannot read it ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--config file {path}: not valid TOML ({exc})") from None
    table = document.get("train", document)
    if not isinstance(table, dict):
        raise ConfigError(f"--config file {path}: [train] must be a table")
    return table
