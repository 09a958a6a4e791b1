"""The curves' PNG: a title naming the run, one integer tick per epoch even for one epoch."""
import pytest

from chainrule.train.plot import plot_curves

pytest.importorskip("matplotlib")

RECORD = {"train_loss": 2.1, "train_acc": 0.46, "test_loss": 1.9, "test_acc": 0.52}


def test_one_epoch_gets_one_tick_and_the_title(tmp_path):
    figure = plot_curves([{"epoch": 1, **RECORD}], tmp_path / "c.png", title="mlp on digits (run x)")
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    assert figure._suptitle.get_text() == "mlp on digits (run x)"
    for axes in figure.axes:
        assert axes.get_xlim() == (0.5, 1.5)
        assert [tick for tick in axes.get_xticks() if 0.5 <= tick <= 1.5] == [1.0]


def test_many_epochs_get_integer_ticks(tmp_path):
    figure = plot_curves([{"epoch": e, **RECORD} for e in range(1, 31)], tmp_path / "c.png")
    ticks = [t for t in figure.axes[0].get_xticks() if 0.5 <= t <= 30.5]
    assert len(ticks) >= 3 and all(t == int(t) for t in ticks)
    assert figure._suptitle is None


def test_the_run_directory_plot_names_model_dataset_and_run(small_run):
    from chainrule.train.runner import _plot_title
    from chainrule.train.config import TrainConfig

    title = _plot_title(TrainConfig(model="lenet5", dataset="mnist", lr=0.05, batch_size=64), "runs/r1/")
    assert title == "lenet5 on mnist: sgd lr 0.05, batch 64 (run r1)"


def test_train_curves_say_they_are_running_averages(tmp_path):
    from chainrule.train.plot import TRAIN_NOTE

    figure = plot_curves([{"epoch": e, **RECORD} for e in (1, 2)], tmp_path / "c.png")
    for axes in figure.axes:
        assert [t.get_text() for t in axes.get_legend().get_texts()] == ["train (running avg)", "test"]
    assert [t.get_text() for t in figure.texts] == [TRAIN_NOTE]
    assert "running average over each epoch's batches" in TRAIN_NOTE
    only_test = plot_curves([{"epoch": 1, "test_loss": 1.9, "test_acc": 0.52}], tmp_path / "t.png")
    assert only_test.texts == []  # no train curve, no note
