"""open_regular (src/chainrule/io/regular.py): named pipes, links to them, devices and
directories are refused at once, never waited on; regular files (and links to them) open."""
import os

import numpy as np
import pytest

import chainrule as cr
from chainrule.io import CheckpointError, load_metadata, open_regular


@pytest.fixture
def specials(tmp_path):
    """{name: path} of a named pipe, a link to it, a character device and a directory."""
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    link = tmp_path / "link.safetensors"
    link.symlink_to(fifo)
    folder = tmp_path / "folder.safetensors"
    folder.mkdir()
    return {"named pipe": fifo, "link to a named pipe": link, "character device": "/dev/zero",
            "directory": folder}


EXPECTED = {"named pipe": "not a regular file but a named pipe",
            "link to a named pipe": "not a regular file but a named pipe",
            "character device": "not a regular file but a character device",
            "directory": "Is a directory"}


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_open_regular_refuses_what_is_not_a_regular_file(specials, kind, no_hang):
    error = IsADirectoryError if kind == "directory" else OSError
    with pytest.raises(error) as raised:
        open_regular(specials[kind])
    assert raised.value.strerror == EXPECTED[kind]
    assert raised.value.filename == str(specials[kind])


@pytest.mark.parametrize("kind", list(EXPECTED))
@pytest.mark.parametrize("reader", [cr.load, load_metadata], ids=["load", "load_metadata"])
def test_loading_a_special_file_is_one_checkpoint_error(specials, kind, reader, no_hang):
    with pytest.raises(CheckpointError, match=f"cannot read it: {EXPECTED[kind]}"):
        reader(specials[kind])


def test_a_regular_file_and_a_link_to_it_open(tmp_path, no_hang):
    path = tmp_path / "model.safetensors"
    cr.save({"w": np.arange(4.0)}, path)
    (tmp_path / "link.safetensors").symlink_to(path)
    for name in ("model.safetensors", "link.safetensors"):
        np.testing.assert_array_equal(cr.load(tmp_path / name)["w"], np.arange(4.0))
    with open_regular(path) as file:
        assert file.read(8) == path.read_bytes()[:8]
    with open_regular(path, "r", encoding="latin-1") as file:
        assert file.read(8) == path.read_bytes()[:8].decode("latin-1")
