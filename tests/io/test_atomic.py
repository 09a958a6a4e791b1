"""Atomic writes (src/chainrule/io/atomic.py): the old file survives a failing writer and a
SIGKILL at any moment of a save."""
import errno
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.io import atomic_write, atomic_write_bytes, atomic_write_text, fsync_directory


def test_bytes_and_text_are_written_and_replaced(tmp_path):
    path = tmp_path / "f.json"
    atomic_write_text(path, '{"epoch": 1}\n')
    assert path.read_text() == '{"epoch": 1}\n'
    atomic_write_bytes(path, b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    assert os.listdir(tmp_path) == ["f.json"]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_a_disk_error_names_the_file_being_written(code, tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old")

    def write(file):
        file.write(b"half")
        raise OSError(code, os.strerror(code))  # as file.write and fsync raise it: no file name

    with pytest.raises(OSError) as error:
        atomic_write(path, write)
    assert (error.value.errno, error.value.strerror, error.value.filename) == (code, os.strerror(code), str(path))
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["f.txt"]


def test_other_errors_are_left_as_they_are(tmp_path):
    reset = ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")

    def write(file):  # a download whose connection drops: not a problem of the file
        raise reset

    with pytest.raises(ConnectionResetError) as error:
        atomic_write(tmp_path / "f.gz", write)
    assert error.value is reset and error.value.filename is None


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old")

    def write(file):
        file.write(b"half of the new")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, write)
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["f.txt"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_permissions_are_kept_or_default(tmp_path):
    private = tmp_path / "private"
    private.write_text("x")
    private.chmod(0o600)
    atomic_write_text(private, "y")
    assert private.stat().st_mode & 0o777 == 0o600
    fresh = tmp_path / "fresh"
    atomic_write_text(fresh, "z")
    open(tmp_path / "reference", "w").close()
    assert fresh.stat().st_mode & 0o777 == (tmp_path / "reference").stat().st_mode & 0o777


_SAVER = """
import sys
import numpy as np
import chainrule as cr
path = sys.argv[1]
try:
    step = int(cr.load(path)["step"]) + 1
except FileNotFoundError:
    step = 0
while True:
    cr.save({"step": np.array(step), "w": np.full(1_000_000, step, np.float64)}, path)
    print(step, flush=True)
    step += 1
"""


def test_sigkill_during_saves_leaves_the_last_checkpoint_loadable(tmp_path, subprocess_env):
    """A process saving an 8 MB checkpoint in a loop is killed at random moments (mostly in
    the middle of a save); each time, the file holds a complete checkpoint: the last one
    reported saved, or the one being written if its rename had happened."""
    path = tmp_path / "ckpt.safetensors"
    env = {**subprocess_env, "OMP_NUM_THREADS": "1"}
    rng = random.Random(0)
    for _ in range(4):
        process = subprocess.Popen([sys.executable, "-c", _SAVER, str(path)], env=env,
                                   stdout=subprocess.PIPE, text=True)
        first = process.stdout.readline()  # this run has completed a save
        assert first.strip().isdigit(), first
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        last_reported = int(([first] + process.stdout.read().split())[-1])
        process.stdout.close()
        loaded = cr.load(path)
        assert last_reported <= int(loaded["step"]) <= last_reported + 1
        np.testing.assert_array_equal(loaded["w"], np.full(1_000_000, loaded["step"], np.float64))
    assert process.returncode == -signal.SIGKILL


def test_the_file_then_its_directory_are_synced(tmp_path, monkeypatch):
    synced, real_fsync = [], os.fsync

    def fsync(fd):
        info = os.fstat(fd)
        synced.append((stat.S_ISDIR(info.st_mode), info.st_ino))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    atomic_write_text(tmp_path / "f.txt", "new")
    directory = (True, os.stat(tmp_path).st_ino)
    assert synced == [(False, os.stat(tmp_path / "f.txt").st_ino), directory]
    synced.clear()
    fsync_directory(tmp_path)
    assert synced == [directory]


def test_a_failing_check_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "download.bin"
    path.write_bytes(b"old")
    seen = []

    def check(temporary):
        seen.append(Path(temporary).read_bytes())  # complete and on disk
        raise ValueError("bad checksum")

    with pytest.raises(ValueError, match="bad checksum"):
        atomic_write(path, lambda file: file.write(b"new content"), check=check)
    assert seen == [b"new content"]
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["download.bin"]
    atomic_write(path, lambda file: file.write(b"new content"), check=seen.append)
    assert path.read_bytes() == b"new content"


def test_an_unwritable_place_is_reported_with_the_users_path(tmp_path):
    path = tmp_path / "no_such_dir" / "x.safetensors"
    with pytest.raises(FileNotFoundError) as info:
        cr.save({"w": np.ones(2)}, path)
    assert str(path) in str(info.value) and ".tmp" not in str(info.value)
    with pytest.raises(FileNotFoundError, match="x.txt") as info:
        atomic_write_text(path.with_name("x.txt"), "text")
    assert ".tmp" not in str(info.value)
