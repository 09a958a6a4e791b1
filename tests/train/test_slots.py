import errno
import os

import pytest

from chainrule.train.slots import find_slot, recover_slot, write_slot


def _writer(text):
    def write(directory):
        with open(os.path.join(directory, "data.txt"), "w") as file:
            file.write(text)
        with open(os.path.join(directory, "done"), "w") as file:
            file.write("ok")
    return write


def _read(path):
    with open(os.path.join(path, "data.txt")) as file:
        return file.read()


def test_write_replaces_the_whole_slot(tmp_path):
    write_slot(tmp_path, "last", "done", _writer("one"))
    write_slot(tmp_path, "last", "done", _writer("two"))
    assert _read(tmp_path / "last") == "two"
    assert sorted(os.listdir(tmp_path)) == ["last"]


def test_a_failed_write_leaves_the_previous_checkpoint(tmp_path):
    write_slot(tmp_path, "last", "done", _writer("one"))

    def crash(directory):
        _writer("two")(directory)
        os.remove(os.path.join(directory, "done"))  # killed before the marker was written
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_slot(tmp_path, "last", "done", crash)
    assert _read(find_slot(tmp_path, "last", "done")) == "one"
    assert _read(recover_slot(tmp_path, "last", "done")) == "one"
    assert sorted(os.listdir(tmp_path)) == ["last"]


def test_a_disk_error_removes_the_half_written_copy_at_once(tmp_path):
    write_slot(tmp_path, "last", "done", _writer("one"))

    def disk_full(directory):
        _writer("two")(directory)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(OSError, match="No space left on device"):
        write_slot(tmp_path, "last", "done", disk_full)
    assert sorted(os.listdir(tmp_path)) == ["last"]  # its space is freed before anything else
    assert _read(tmp_path / "last") == "one"


@pytest.mark.parametrize("state, expected", [
    ({".last.new": "two", ".last.old": "one"}, "two"),  # killed between the two renames
    ({"last": "two", ".last.old": None}, "two"),          # killed while deleting the old one
    ({".last.old": "one"}, "one"),
])
def test_recovery_after_a_kill_between_steps(tmp_path, state, expected):
    for name, text in state.items():
        os.makedirs(tmp_path / name)
        if text is not None:
            _writer(text)(tmp_path / name)
    assert _read(find_slot(tmp_path, "last", "done")) == expected
    assert sorted(os.listdir(tmp_path)) == sorted(state)  # finding changes nothing
    assert _read(recover_slot(tmp_path, "last", "done")) == expected
    assert sorted(os.listdir(tmp_path)) == ["last"]


def test_no_checkpoint_yet(tmp_path):
    assert find_slot(tmp_path, "best", "done") is None
    assert recover_slot(tmp_path, "best", "done") is None


@pytest.mark.parametrize("linked", ["last", ".last.old", ".last.new"])
def test_a_symlinked_slot_is_replaced_and_its_target_left_alone(tmp_path, linked):
    elsewhere = tmp_path / "elsewhere"
    write_slot(elsewhere, "kept", "done", _writer("someone else's"))
    run = tmp_path / "run"
    run.mkdir()
    (run / linked).symlink_to(elsewhere / "kept", target_is_directory=True)
    for text in ("one", "two", "three"):  # it used to block every save after the first
        write_slot(run, "last", "done", _writer(text))
        assert _read(run / "last") == text and sorted(os.listdir(run)) == ["last"]
    assert _read(elsewhere / "kept") == "someone else's"
