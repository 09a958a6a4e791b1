"""The run directory's writer lock (src/chainrule/train/rundir.py): one process writes a run."""
import os
import shutil
import subprocess
import sys

import pytest

from chainrule.train.rundir import LOCK_FILE, RunDirError, writer_lock
from chainrule.train.runner import resume_run

HOLD_THE_LOCK = """
import sys, time
from chainrule.train.rundir import writer_lock
with writer_lock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def copied_run(small_run, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(small_run.run_dir, run_dir)
    return run_dir


def test_a_second_resume_of_a_run_in_training_is_refused_and_changes_nothing(copied_run, subprocess_env):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_LOCK, str(copied_run)], env=subprocess_env,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = {path: os.path.getmtime(os.path.join(copied_run, path)) for path in os.listdir(copied_run)}
        with pytest.raises(RunDirError, match=rf"is being trained by another process \(pid {holder.pid}\); "
                                              "wait for it to end"):
            resume_run(str(copied_run), overrides={"epochs": 3})
        assert {path: os.path.getmtime(os.path.join(copied_run, path)) for path in os.listdir(copied_run)} == before
    finally:
        holder.kill()
        holder.wait(timeout=30)
    result = resume_run(str(copied_run), overrides={"epochs": 3})  # the holder was killed: the OS freed its lock
    assert len(result.history["test_acc"]) == 3


def test_the_lock_is_released_when_the_block_ends(tmp_path):
    with writer_lock(tmp_path):
        assert (tmp_path / LOCK_FILE).read_text() == str(os.getpid())
    with writer_lock(tmp_path):  # not left held
        pass


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_folder_that_cannot_be_written_is_one_clear_error(tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(RunDirError, match="cannot write in it"), writer_lock(tmp_path):
            pass
    finally:
        tmp_path.chmod(0o700)


def _resume_line(run_dir):
    from click.testing import CliRunner

    from chainrule.cli import build_cli

    result = CliRunner().invoke(build_cli(), ["train", "--resume", str(run_dir), "--quiet"])
    assert result.exit_code == 1 and not isinstance(result.exception, (TypeError, RecursionError, MemoryError))
    assert result.output.count("\n") == 1 and result.output.startswith("Error: "), result.output
    return result.output


def _replace(path, kind):
    os.remove(path)
    if kind == "device":
        os.symlink("/dev/zero", path)  # read whole, it filled the memory (MemoryError, or the OOM killer)
    elif kind == "pipe":
        os.mkfifo(path)  # opened, it blocked forever
    elif kind == "directory":
        os.mkdir(path)
    elif kind == "deep":
        path.write_text("[" * 100_000 + "]" * 100_000)  # a RecursionError traceback
    else:
        path.write_text('{"config": {}, "pad": "' + "x" * (1 << 20) + '"}')


@pytest.mark.usefixtures("no_hang")
@pytest.mark.parametrize("kind, message", [
    ("device", "cannot read it (not a regular file but a character device)"),
    ("pipe", "cannot read it (not a regular file but a named pipe)"),
    ("directory", "cannot read it (Is a directory)"),
    ("deep", "cannot read it (maximum recursion depth exceeded"),
    ("large", "config.json: it is 1048601 bytes, more than the 1048576 a run's config.json can be"),
])
def test_a_config_json_that_cannot_be_read_is_one_error_line(copied_run, kind, message):
    _replace(copied_run / "config.json", kind)
    assert message in _resume_line(copied_run)


@pytest.mark.usefixtures("no_hang")
@pytest.mark.parametrize("kind", ["pipe", "directory"])
def test_a_metrics_file_that_cannot_be_read_is_one_error_line(copied_run, kind):
    shutil.rmtree(copied_run / "checkpoints")  # metrics are read to check that no checkpoint was lost
    _replace(copied_run / "metrics.jsonl", kind)
    assert f"metrics.jsonl: cannot read it ({'not a regular file but a named pipe' if kind == 'pipe' else 'Is a directory'})" \
        in _resume_line(copied_run)


def test_a_checkpoints_folder_that_links_elsewhere_is_refused_and_its_target_untouched(copied_run, tmp_path):
    elsewhere = tmp_path / "elsewhere"  # resume replaced and deleted the slots in it
    shutil.move(copied_run / "checkpoints", elsewhere)
    (copied_run / "checkpoints").symlink_to(elsewhere)
    before = sorted((p.relative_to(elsewhere), p.stat().st_mtime_ns) for p in elsewhere.rglob("*"))
    message = _resume_line(copied_run)
    assert f"checkpoints is a symbolic link (to {elsewhere}); a run writes only in its own folder" in message
    assert sorted((p.relative_to(elsewhere), p.stat().st_mtime_ns) for p in elsewhere.rglob("*")) == before


def test_a_lock_file_that_links_elsewhere_is_replaced_not_followed(copied_run, tmp_path):
    victim = tmp_path / "victim.txt"  # opened through the link, it was truncated to the pid
    victim.write_text("precious")
    os.remove(copied_run / LOCK_FILE)
    (copied_run / LOCK_FILE).symlink_to(victim)
    with writer_lock(copied_run):
        assert not (copied_run / LOCK_FILE).is_symlink()
    assert victim.read_text() == "precious"


def test_a_slot_that_cannot_be_recovered_is_a_run_dir_error(copied_run, monkeypatch):
    from chainrule.train import slots

    checkpoints = copied_run / "checkpoints"
    os.replace(checkpoints / "last", checkpoints / ".last.new")  # killed between the renames

    def refuse(source, target):  # as a folder of another user, read-only to this one (root may write anyway)
        raise PermissionError(13, "Permission denied", str(source))

    monkeypatch.setattr(slots.os, "replace", refuse)
    with pytest.raises(RunDirError, match=rf"cannot finish the interrupted save of a checkpoint in {checkpoints}: "
                                          rf"Permission denied \({checkpoints / '.last.new'}\)"):
        resume_run(str(copied_run), echo=lambda line: None)


def test_threads_limit_blas_and_the_recorded_count_within_the_run_only():
    pytest.importorskip("threadpoolctl")
    import chainrule
    from chainrule.train.rundir import blas_threads, limit_threads

    before = (blas_threads(), chainrule.get_num_threads(), chainrule.settings._num_threads[0])
    with limit_threads(1):
        assert (blas_threads(), chainrule.get_num_threads()) == (1, 1)
    assert (blas_threads(), chainrule.get_num_threads(), chainrule.settings._num_threads[0]) == before
