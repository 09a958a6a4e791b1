"""DistributedDataParallel, the collectives and the sampler on 2 and 3 real MPI processes
(tests/distributed/mpi_worker.py, launched with mpiexec; skipped without it)."""
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mpi4py")
MPIEXEC = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or shutil.which("mpiexec")
pytestmark = pytest.mark.skipif(MPIEXEC is None, reason="no mpiexec (pip install mpich)")
WORKER = Path(__file__).with_name("mpi_worker.py")


def mpiexec(nproc, args, env, timeout=120):
    return subprocess.run([MPIEXEC, "-n", str(nproc), sys.executable, str(WORKER), *args],
                          capture_output=True, text=True, env=env, timeout=timeout)


@pytest.fixture(scope="module", params=[2, 3], ids=["2 ranks", "3 ranks (uneven shards)"])
def ranks(request, tmp_path_factory, subprocess_env):
    """The arrays each rank of a ``train`` run wrote, one dict per rank."""
    out = tmp_path_factory.mktemp(f"mpi{request.param}")
    result = mpiexec(request.param, ["train", str(out)], subprocess_env)
    assert result.returncode == 0, result.stdout + result.stderr
    return [dict(np.load(out / f"rank{rank}.npz")) for rank in range(request.param)]


def prefixed(arrays, prefix):
    return {key[len(prefix):]: value for key, value in arrays.items() if key.startswith(prefix)}


def test_training_equals_one_process_on_the_global_batches(ranks):
    for arrays in ranks:
        trained, reference = prefixed(arrays, "ddp/"), prefixed(arrays, "reference/")
        assert trained.keys() == reference.keys() and len(trained) == 8
        for name in trained:
            np.testing.assert_allclose(trained[name], reference[name], rtol=0, atol=1e-12, err_msg=name)
        assert arrays["buckets"] > 1


def test_sync_batchnorm_cnn_equals_batchnorm_on_the_global_batches(ranks):
    for arrays in ranks:
        assert arrays["sync_bn_layers"] == 2
        trained, reference = prefixed(arrays, "sync_bn/"), prefixed(arrays, "sync_bn_reference/")
        assert trained.keys() == reference.keys() and "1.running_var" in trained
        for name in trained:
            np.testing.assert_allclose(trained[name], reference[name], rtol=0, atol=1e-12, err_msg=name)


def test_a_parameter_no_rank_uses_keeps_no_gradient(ranks):
    assert all(arrays["never_grad_is_none"] for arrays in ranks)


def test_a_parameter_one_rank_uses_gets_its_gradient_averaged(ranks):
    local = ranks[0]["sometimes_rank0_local"]
    assert np.abs(local).max() > 1e-3
    for arrays in ranks:
        np.testing.assert_allclose(arrays["sometimes_grad"], local / len(ranks), rtol=0, atol=1e-15)


def test_no_sync_accumulates_then_averages_the_sum(ranks):
    for arrays in ranks:
        grads, reference = prefixed(arrays, "no_sync/"), prefixed(arrays, "no_sync_reference/")
        assert grads.keys() == reference.keys() == {"hidden.weight", "hidden.bias", "out.weight", "out.bias"}
        for name in grads:
            np.testing.assert_allclose(grads[name], reference[name], rtol=0, atol=1e-12, err_msg=name)
    # inside no_sync each rank kept its own gradient
    assert not np.allclose(ranks[0]["no_sync_local"], ranks[1]["no_sync_local"])


def test_buckets_start_while_backward_runs(ranks):
    for arrays in ranks:
        assert 0 < arrays["started_before_first_layer"] < arrays["buckets"]


def test_collectives(ranks):
    size = len(ranks)
    values = np.array([[r + 1.0, -r, 2.0 * r] for r in range(size)])
    expected = {"sum": values.sum(0), "mean": values.mean(0), "max": values.max(0), "min": values.min(0)}
    for arrays in ranks:
        for op, want in expected.items():
            np.testing.assert_array_equal(arrays[f"all_reduce/{op}"], want)
        np.testing.assert_array_equal(arrays["broadcast"], np.full(3, size - 1.0))


def test_sampler_gives_every_index_once_per_epoch(ranks):
    size = len(ranks)
    for epoch in (0, 1):
        shares = [arrays[f"sampler/{epoch}"] for arrays in ranks]
        assert {len(share) for share in shares} == {-(-11 // size)}
        together = np.concatenate(shares)
        assert set(together.tolist()) == set(range(11))
        assert len(together) - len(set(together.tolist())) == -(-11 // size) * size - 11  # the padding
    assert not np.array_equal(ranks[0]["sampler/0"], ranks[0]["sampler/1"])


@pytest.mark.parametrize("how", ["raise", "kill"])
def test_a_failing_rank_ends_the_job_quickly(how, subprocess_env):
    result = mpiexec(3, [how], subprocess_env, timeout=60)
    ended = time.time()
    assert result.returncode != 0
    output = result.stdout + result.stderr
    failed = float(re.search(r"failing at ([0-9.]+)", output).group(1))
    assert ended - failed < 10, f"the job took {ended - failed:.1f} s to end after rank 1 failed"
    if how == "raise":
        assert "rank 1 of 3 failed" in output and "ValueError: rank 1 gave up on purpose" in output
    else:  # mpiexec names the killed process by its pid and signal
        assert "signal 9" in output, output


@pytest.mark.parametrize("how", ["stall", "stop"])
def test_a_stalled_rank_is_reported_and_ends_the_job(how, subprocess_env):
    result = mpiexec(3, [how], subprocess_env, timeout=60)
    ended = time.time()
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    failed = float(re.search(r"failing at ([0-9.]+)", output).group(1))
    assert ended - failed < 2 + 5 + 8, f"the job took {ended - failed:.1f} s to end after rank 1 stalled"
    if how == "stall":  # rank 1 is alive: it names itself
        assert re.search(r"rank 1 of 3 failed; aborting every rank\nstalled: no collective with the other "
                         r"ranks finished for [23] s \(--timeout 2\)", output), output
    else:  # rank 1 cannot speak: a rank waiting for it reports
        assert re.search(r"rank [02] of 3 failed; aborting every rank\nwaited [78] s in barrier for the "
                         r"other ranks \(--timeout 2\)", output), output
