"""A run whose files cannot be written (disk full, read-only, no permission) stops with one
error line naming the file and the cause, and keeps its previous checkpoint."""
import errno
import os

import pytest

import chainrule.io.atomic
import chainrule.io.checkpoint
import chainrule.train.callbacks
from chainrule.cli import build_cli
from chainrule.train.checkpoint import open_checkpoint
from chainrule.train.runner import resume_run

click_testing = pytest.importorskip("click.testing")


def _fail_writes_of(monkeypatch, name, code, on_call):
    """Make the ``on_call``-th write of a file called ``name`` fail with ``code`` after half
    its bytes, as a full or read-only disk does (the OSError names no file)."""
    calls = []
    cause = OSError(code, os.strerror(code))
    if name == "metrics.jsonl":  # appended to with open(), not replaced
        real_open = open

        class Refusing:
            def __init__(self, file):
                self.file = file

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.file.close()

            def write(self, text):
                self.file.write(text[: len(text) // 2])
                raise cause

        def opening(path, mode="r", **kwargs):
            file = real_open(path, mode, **kwargs)
            if os.path.basename(path) == name and "a" in mode:
                calls.append(path)
                if len(calls) == on_call:
                    return Refusing(file)
            return file

        monkeypatch.setattr(chainrule.train.callbacks, "open", opening, raising=False)
        return
    real_write = chainrule.io.atomic.atomic_write

    def writing(path, write, check=None):
        if os.path.basename(path) == name:
            calls.append(path)
            if len(calls) == on_call:
                def half_then_fail(file):
                    file.write(b"x" * 100)
                    raise cause

                return real_write(path, half_then_fail, check)
        return real_write(path, write, check)

    monkeypatch.setattr(chainrule.io.atomic, "atomic_write", writing)
    monkeypatch.setattr(chainrule.io.checkpoint, "atomic_write", writing)


@pytest.mark.parametrize("name, code, kept_step, where", [
    ("model.safetensors", errno.ENOSPC, 14, "checkpoints/.last.new/model.safetensors"),  # 3rd save: step 21
    ("training.safetensors", errno.EROFS, 14, "checkpoints/.last.new/training.safetensors"),
    ("checkpoint.json", errno.EACCES, 14, "checkpoints/.last.new/checkpoint.json"),
    ("metrics.jsonl", errno.ENOSPC, 42, "metrics.jsonl"),  # at the end of epoch 1, before its saves
])
def test_a_write_that_fails_is_one_error_line_and_the_run_resumes_exactly(
        name, code, kept_step, where, small_run, small_run_flags, tmp_path, monkeypatch):
    out = tmp_path / "run"
    with monkeypatch.context() as patch:
        _fail_writes_of(patch, name, code, on_call=1 if name == "metrics.jsonl" else 3)
        result = click_testing.CliRunner().invoke(build_cli(), small_run_flags(out))
    assert result.exit_code == 1 and not isinstance(result.exception, OSError), result.exception
    assert result.output == (
        f"Error: cannot write {out / where}: {os.strerror(code)}; the run stopped and the last "
        f"checkpoint, of step {kept_step} (epoch 1), is intact; once it can be written, continue "
        f"with chainrule train --resume {out}\n")
    assert open_checkpoint(out, slot="last").state.step == kept_step
    assert sorted(os.listdir(out / "checkpoints")) == ["last"]  # no half-written .last.new left
    resume_run(str(out), echo=lambda line: None)
    weights = open_checkpoint(out, slot="last").model_state()
    for key, value in open_checkpoint(small_run.run_dir, slot="last").model_state().items():
        assert weights[key].tobytes() == value.tobytes()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes in read-only folders")
def test_a_read_only_run_folder_is_one_error_line(small_run, tmp_path):
    out = tmp_path / "run"
    assert click_testing.CliRunner().invoke(build_cli(), ["train", "--epochs", "1", "--quiet", "--out", out]).exit_code == 0
    for folder in (out / "checkpoints", out):
        folder.chmod(0o555)
    try:
        result = click_testing.CliRunner().invoke(build_cli(), ["train", "--resume", out, "--epochs", "2"])
    finally:
        for folder in (out, out / "checkpoints"):
            folder.chmod(0o755)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: cannot write {out / 'config.json'}: {os.strerror(errno.EACCES)}; "
                                    "the run stopped and the last checkpoint, of step 46 (epoch 2), is intact")
    assert len(result.output.splitlines()) == 1
