"""chainrule train on several processes: ``--nproc`` and ``mpiexec -n N chainrule train``
give the run of one process (float32: to 1e-5), resume on another number of processes,
and stop every rank with one clear error."""
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from click import testing as click_testing

import chainrule as cr
from chainrule.cli import build_cli
from chainrule.train import parallel
from chainrule.train.checkpoint import open_checkpoint
from chainrule.train.config import ConfigError, TrainConfig
from chainrule.train.parallel import RankShare, ShareLoss, check_batches
from chainrule.train.runner import start_run

MPIEXEC = parallel.find_mpiexec()
needs_mpi = pytest.mark.skipif(MPIEXEC is None or importlib.util.find_spec("mpi4py") is None,
                               reason='no mpiexec or mpi4py (pip install "chainrule[mpi]")')
FLOAT32 = dict(rtol=1e-5, atol=1e-6)


def chainrule(args, env, cwd, nproc=None):
    launcher = [] if nproc is None else [MPIEXEC, "-n", str(nproc)]
    return subprocess.run([*launcher, sys.executable, "-m", "chainrule", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=600)


def records(run_dir):
    with open(os.path.join(run_dir, "metrics.jsonl")) as file:
        return [json.loads(line) for line in file]


def assert_same_run(run_dir, reference_dir):
    got, want = records(run_dir), records(reference_dir)
    assert len(got) == len(want)
    for mine, theirs in zip(got, want):
        for key in ("train_loss", "train_acc", "test_loss", "test_acc", "lr"):
            np.testing.assert_allclose(mine[key], theirs[key], **FLOAT32, err_msg=key)
    weights = open_checkpoint(str(run_dir), slot="last").model_state()
    reference = open_checkpoint(str(reference_dir), slot="last").model_state()
    assert list(weights) == list(reference)
    for key in reference:
        np.testing.assert_allclose(weights[key], reference[key], **FLOAT32, err_msg=key)


@needs_mpi
def test_nproc_2_trains_as_one_process(small_run, small_run_flags, subprocess_env, tmp_path):
    result = chainrule([*small_run_flags("run"), "--nproc", 2], subprocess_env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("test accuracy") == 1  # rank 1 prints nothing
    assert sorted(os.listdir(tmp_path)) == ["run"]  # and writes nothing
    assert_same_run(tmp_path / "run", small_run.run_dir)


@needs_mpi
def test_mpiexec_3_uneven_shards_then_resumed_on_2(subprocess_env, tmp_path):
    flags = ["train", "--quiet", "--batch-size", 33, "--out", "run"]  # 1442 examples: 43 x 33 + 23
    first = chainrule([*flags, "--epochs", 1], subprocess_env, tmp_path, nproc=3)
    assert first.returncode == 0, first.stdout + first.stderr
    resumed = chainrule(["train", "--resume", "run", "--epochs", 2, "--nproc", 2], subprocess_env, tmp_path)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    reference = start_run(TrainConfig(out=str(tmp_path / "reference"), quiet=True, batch_size=33, epochs=2))
    assert_same_run(tmp_path / "run", reference.run_dir)


@needs_mpi
def test_a_batch_smaller_than_the_world_stops_every_rank_with_the_reason(subprocess_env, tmp_path):
    result = chainrule(["train", "--quiet", "--batch-size", 2, "--out", "run"], subprocess_env, tmp_path, nproc=3)
    assert result.returncode != 0
    assert ("Error: on 3 processes every batch needs at least 3 examples (one per process), but "
            "--batch-size 2 over 1442 training examples gives a batch of 2") in result.stderr
    assert os.listdir(tmp_path) == []  # checked before any file is made


def test_nproc_without_mpiexec_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(parallel, "find_mpiexec", lambda: None)
    result = click_testing.CliRunner().invoke(build_cli(), ["train", "--nproc", "2", "--out", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert ('Error: --nproc 2 starts processes with mpiexec, which is not installed: '
            'pip install "chainrule[mpi]"') in result.output


class Rows:
    """A dataset whose batches are the indices asked for."""

    def __len__(self):
        return 100

    def get_batch(self, indices):
        return np.asarray(indices)


def test_rank_shares_split_each_batch_and_weigh_it():
    shares = [RankShare(Rows(), rank, 3) for rank in range(3)]
    batch = np.arange(10, 20)
    got = [share.get_batch(batch) for share in shares]
    assert [part.tolist() for part in got] == [[10, 11, 12, 13], [14, 15, 16], [17, 18, 19]]
    assert [share.weight for share in shares] == [1.2, 0.9, 0.9]
    assert len(shares[0]) == 100


def test_share_loss_keeps_the_value_and_weighs_the_gradient():
    share = RankShare(Rows(), 0, 3)
    share.get_batch(np.arange(10))  # rank 0 of 3 takes 4 of 10: weight 1.2
    x = cr.tensor([1.0, 2.0, 4.0], dtype=cr.float64, requires_grad=True)
    loss = ShareLoss(lambda output, target: (output * output).mean(), share)(x, None)
    np.testing.assert_allclose(loss.item(), 7.0, rtol=1e-15)
    loss.backward()
    np.testing.assert_allclose(np.asarray(x.grad), 1.2 * 2 * np.array([1.0, 2.0, 4.0]) / 3, rtol=1e-15)
    with cr.no_grad():
        assert ShareLoss(lambda output, target: output.sum(), share)(x, None).item() == 7.0


@pytest.mark.parametrize("examples, batch_size, size, small", [(10, 2, 3, 2), (10, 4, 3, 2), (11, 5, 2, 1)])
def test_batches_with_fewer_examples_than_ranks_are_refused(examples, batch_size, size, small):
    with pytest.raises(ConfigError, match=f"on {size} processes every batch needs at least {size} "
                                          f".* gives a batch of {small}; choose another --batch-size"):
        check_batches(examples, batch_size, size)
    check_batches(12, 4, 2)
    check_batches(11, 4, 3)


def test_nproc_passes_timeout_to_every_rank(monkeypatch, tmp_path):
    from chainrule.train import commands

    launched = []
    monkeypatch.setattr(commands, "relaunch", lambda nproc, args: launched.append((nproc, args)) or 0)
    runner = click_testing.CliRunner()
    result = runner.invoke(build_cli(), ["train", "--nproc", "2", "--timeout", "7", "--epochs", "1"])
    assert result.exit_code == 0, result.output
    ((nproc, args),) = launched
    assert nproc == 2 and args[0] == "train" and "--nproc" not in args
    assert args[args.index("--timeout") + 1] == "7.0" and args[args.index("--epochs") + 1] == "1"
    for bad in ("nan", "-1", "inf", ""):
        result = runner.invoke(build_cli(), ["train", "--timeout", bad])
        assert result.exit_code == 2 and "Invalid value for '--timeout'" in result.output, bad


@needs_mpi
def test_a_signal_to_one_rank_stops_every_rank_at_that_step_and_resumes_exactly(subprocess_env, tmp_path):
    rank = 1  # not the rank that saves: rank 0 must learn of it and stop at the same step
    flags = ["train", "--quiet", "--epochs", 2, "--batch-size", 100, "--seed", 3]
    worker = os.path.join(os.path.dirname(__file__), "mpi_signal_worker.py")
    stopped = subprocess.run([MPIEXEC, "-n", "2", sys.executable, worker, "7", str(rank),
                              *map(str, flags), "--out", "run"], cwd=tmp_path, env=subprocess_env,
                             capture_output=True, text=True, timeout=300)
    assert stopped.returncode == 130, stopped.stdout + stopped.stderr
    run_dir = tmp_path / "run"
    assert stopped.stderr.count("stopped by SIGINT at step 7 (epoch 1, 7 batches into it); saved the "
                                f"checkpoint {run_dir / 'checkpoints' / 'last'} there.") == 1  # rank 0 says it
    assert "aborting" not in stopped.stderr and "Traceback" not in stopped.stderr
    assert open_checkpoint(str(run_dir), slot="last").state.step == 7
    resumed = chainrule(["train", "--resume", "run", "--quiet"], subprocess_env, tmp_path, nproc=2)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    reference = chainrule([*flags, "--out", "reference"], subprocess_env, tmp_path, nproc=2)
    assert reference.returncode == 0, reference.stdout + reference.stderr
    got = open_checkpoint(str(run_dir), slot="last").model_state()
    want = open_checkpoint(str(tmp_path / "reference"), slot="last").model_state()
    assert {k: v.tobytes() for k, v in got.items()} == {k: v.tobytes() for k, v in want.items()}
    assert [{k: v for k, v in r.items() if k != "time"} for r in records(run_dir)] == \
        [{k: v for k, v in r.items() if k != "time"} for r in records(tmp_path / "reference")]
