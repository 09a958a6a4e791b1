"""A checkpoint file or image that is a named pipe (or a link to one) is refused with one clear
error by the checkpoint readers and by predict's image loader, never waited on."""
import os
import shutil

import pytest

from chainrule.io import CheckpointError
from chainrule.train.checkpoint import MODEL_FILE, SIDECAR_FILE, Checkpoint
from chainrule.train.images import ImageError, load_image


pytestmark = pytest.mark.usefixtures("no_hang")


@pytest.mark.parametrize("linked", [False, True], ids=["pipe", "link to a pipe"])
@pytest.mark.parametrize("name", [MODEL_FILE, SIDECAR_FILE])
def test_a_checkpoint_file_that_is_a_pipe_is_a_checkpoint_error(small_run, tmp_path, name, linked):
    run_dir = tmp_path / "run"
    shutil.copytree(small_run.run_dir, run_dir)
    target = run_dir / "checkpoints" / "last" / name
    target.unlink()
    if linked:
        os.mkfifo(tmp_path / "pipe")
        target.symlink_to(tmp_path / "pipe")
    else:
        os.mkfifo(target)
    with pytest.raises(CheckpointError, match="not a regular file but a named pipe"):
        Checkpoint(str(target.parent)).build_model()


@pytest.mark.parametrize("name", ["digit.png", "digit.npy"])
def test_an_image_that_is_a_pipe_is_an_image_error(tmp_path, name):
    os.mkfifo(tmp_path / name)
    with pytest.raises(ImageError, match=f"{name}: not a readable .*not a regular file but a named pipe"):
        load_image(tmp_path / name, (8, 8))
