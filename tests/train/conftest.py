"""A small finished training run on the digits set, shared by the train and CLI tests."""
import json
import shutil

import pytest

import chainrule as cr
from chainrule.train.builders import build_model
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


@pytest.fixture
def stranger_run(small_run, tmp_path):
    """``(run_dir, chosen)``: a copy of ``small_run`` whose files claim an MLP on MNIST (with
    weights of that shape) and ask for ``download`` into ``chosen``, a folder that does not exist."""
    chosen = tmp_path / "chosen" / "by" / "the" / "file"
    run_dir = tmp_path / "stranger"
    shutil.copytree(small_run.run_dir, run_dir)
    weights = build_model("mlp", (1, 28, 28), 10, (8,)).state_dict()
    taken = {"dataset": "mnist", "data_dir": str(chosen), "download": True, "hidden": [8]}
    for slot in ("best", "last"):
        directory = run_dir / "checkpoints" / slot
        cr.save(weights, directory / "model.safetensors")
        sidecar = json.loads((directory / "checkpoint.json").read_text())
        sidecar["config"].update(taken)
        sidecar["model"]["input_shape"] = [1, 28, 28]
        (directory / "checkpoint.json").write_text(json.dumps(sidecar))
    config = json.loads((run_dir / "config.json").read_text())
    config["config"].update(taken)
    (run_dir / "config.json").write_text(json.dumps(config))
    return run_dir, chosen


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything tries to download."""
    def refuse(url, *args, **kwargs):
        pytest.fail(f"a download was attempted: {url}")

    monkeypatch.setattr("chainrule.data.mnist.download_url", refuse)
    monkeypatch.setattr("urllib.request.urlopen", refuse)
