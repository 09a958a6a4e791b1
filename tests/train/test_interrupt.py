"""Ctrl-C and SIGTERM during `chainrule train`: a checkpoint at the interrupted step, the
resume command printed, the shell's status; resuming gives the uninterrupted run's bytes."""
import os
import signal

import pytest

from chainrule.cli import build_cli
from chainrule.train import loop
from chainrule.train.checkpoint import open_checkpoint

click_testing = pytest.importorskip("click.testing")


def _invoke(*args):
    return click_testing.CliRunner().invoke(build_cli(), [str(a) for a in args], catch_exceptions=False)


def _signal_at_step(monkeypatch, step, *signals):
    """Send ``signals`` to this process right after optimizer step ``step``."""
    train_step = loop._train_step

    def step_then_signal(run, *args):
        train_step(run, *args)
        if run.state.step == step:
            for number in signals:
                os.kill(os.getpid(), number)

    monkeypatch.setattr(loop, "_train_step", step_then_signal)


def _assert_resumes_to(out, small_run):
    result = _invoke("train", "--resume", out, "--quiet")
    assert result.exit_code == 0, result.output
    want = open_checkpoint(small_run.run_dir, slot="last").model_state()
    got = open_checkpoint(out, slot="last").model_state()
    assert {k: v.tobytes() for k, v in got.items()} == {k: v.tobytes() for k, v in want.items()}
    with open(os.path.join(out, "metrics.jsonl")) as mine, \
            open(os.path.join(small_run.run_dir, "metrics.jsonl")) as reference:
        assert [line.split('"time"')[0] for line in mine] == [line.split('"time"')[0] for line in reference]


@pytest.mark.parametrize("number, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_saves_the_interrupted_step_and_prints_the_resume_command(
        number, status, monkeypatch, small_run, small_run_flags, tmp_path):
    out = tmp_path / "run"
    _signal_at_step(monkeypatch, 10, number)  # checkpoints every 7 steps: the last would be step 7
    result = _invoke(*small_run_flags(out))
    assert result.exit_code == status
    name = signal.Signals(number).name
    assert result.output == (f"stopped by {name} at step 10 (epoch 1, 10 batches into it); saved the "
                             f"checkpoint {out / 'checkpoints' / 'last'} there.\n"
                             f"Continue with: chainrule train --resume {out}\n")
    assert open_checkpoint(out, slot="last").state.step == 10
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers put back
    monkeypatch.undo()
    _assert_resumes_to(out, small_run)


def test_a_signal_during_the_epochs_evaluation_stops_after_that_epoch(
        monkeypatch, small_run, small_run_flags, tmp_path):
    out = tmp_path / "run"
    evaluate = loop.evaluate

    def signal_then_evaluate(*args):
        os.kill(os.getpid(), signal.SIGTERM)
        return evaluate(*args)

    monkeypatch.setattr(loop, "evaluate", signal_then_evaluate)
    result = _invoke(*small_run_flags(out))
    assert result.exit_code == 143
    assert result.output.startswith("stopped by SIGTERM after epoch 1 of 2; saved the checkpoint "), result.output
    state = open_checkpoint(out, slot="last").state
    assert (state.epoch, state.epoch_step, len(state.history)) == (1, 0, 1)
    monkeypatch.undo()
    _assert_resumes_to(out, small_run)


def test_a_second_interrupt_stops_at_once_and_keeps_the_checkpoint_before(
        monkeypatch, small_run, small_run_flags, tmp_path):
    out = tmp_path / "run"
    _signal_at_step(monkeypatch, 10, signal.SIGINT, signal.SIGINT)
    result = _invoke(*small_run_flags(out))
    assert result.exit_code == 130
    assert result.output == ("stopped at once by a second interrupt; the last checkpoint, of step 7 "
                             f"(epoch 1), is intact.\nContinue with: chainrule train --resume {out}\n")
    assert open_checkpoint(out, slot="last").state.step == 7
    monkeypatch.undo()
    _assert_resumes_to(out, small_run)
