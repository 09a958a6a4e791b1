"""A small finished training run on the digits set, shared by the train and CLI tests."""
import pytest

from chainrule.train.config import TrainConfig
from chainrule.train.runner import start_run

# 2 epochs of 46 batches; a checkpoint every 7 steps falls mid-epoch and across epoch ends
SMALL_RUN = {"epochs": 2, "batch_size": 32, "checkpoint_every": 7, "quiet": True}


@pytest.fixture(scope="session")
def small_run_flags():
    """``flags(out)``: the CLI arguments of SMALL_RUN writing to ``out``."""
    return lambda out: ["train", "--quiet", "--epochs", "2", "--batch-size", "32",
                        "--checkpoint-every", "7", "--out", str(out)]


@pytest.fixture(scope="session")
def small_run_config():
    return dict(SMALL_RUN)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """``RunResult`` of SMALL_RUN (seed 0)."""
    out = tmp_path_factory.mktemp("small") / "run"
    return start_run(TrainConfig(out=str(out), **SMALL_RUN))
