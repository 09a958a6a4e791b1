import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.random import get_rng_state


def small_model():
    return nn.Sequential(nn.Flatten(), nn.Linear(12, 5), nn.ReLU(), nn.Dropout(0.5),
                         nn.Sequential(nn.Linear(5, 3, bias=False), nn.LogSoftmax(dim=1)))


def test_table(capsys):
    model = small_model()
    model[1].bias.requires_grad_(False)
    result = cr.summary(model, (3, 4))
    expected = "\n".join([
        "Layer (type)      Output shape  Params",
        "======================================",
        "0 (Flatten)       (N, 12)            0",
        "1 (Linear)        (N, 5)            65",
        "2 (ReLU)          (N, 5)             0",
        "3 (Dropout)       (N, 5)             0",
        "4.0 (Linear)      (N, 3)            15",
        "4.1 (LogSoftmax)  (N, 3)             0",
        "======================================",
        "Input shape: (N, 3, 4)",
        "Total params: 80",
        "Trainable params: 75",
        "Non-trainable params: 5",
    ])
    assert str(result) == expected
    assert capsys.readouterr().out == expected + "\n"
    assert result.total_params == 80 and result.trainable_params == 75
    assert result.rows[1] == ("1", "Linear", (1, 5), 65)


def test_leaves_model_modes_graph_and_rng_alone():
    model = small_model()
    model[3].eval()
    state = get_rng_state()
    cr.summary(model, (12,), verbose=False)
    assert get_rng_state() == state
    assert model.training and not model[3].training and model[4][0].training
    assert all(p.grad is None for p in model.parameters())
    assert all(len(m._forward_hooks) == 0 for m in model.modules())


def test_float64_model_and_single_layer():
    result = cr.summary(nn.Linear(3, 4, dtype=np.float64), (3,), verbose=False)
    assert result.rows == [("(model)", "Linear", (1, 4), 16)]


class RowsLSTM(nn.Module):
    """A bidirectional 2-layer LSTM over image rows, then rows cut apart: batch dims off the front."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(28, 16, 2, batch_first=True, bidirectional=True)
        self.rows = nn.Flatten(0, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.rows(out)


def test_batch_dims_found_wherever_they_are():
    result = cr.summary(RowsLSTM(), (28, 28), verbose=False)
    # h_n and c_n are (num_layers * directions, N, hidden); Flatten(0, 1) makes 28 rows per input
    assert str(result).splitlines()[2:4] == [
        "lstm (LSTM)     (N, 28, 32), (4, N, 16), (4, N, 16)  12,288",
        "rows (Flatten)  (28*N, 32)                                0",
    ]
    assert result.rows[0][2] == ((1, 28, 32), ((4, 1, 16), (4, 1, 16)))


def test_bad_input_shape_names_the_layer():
    model = small_model()
    with pytest.raises(ValueError, match=r"^summary: the model failed on an input of shape \(1, 13\): layer '1' \(Linear"):
        cr.summary(model, (13,), verbose=False)
    assert all(len(m._forward_hooks) == 0 for m in model.modules())


def test_an_error_in_the_models_own_forward_says_after_which_layer():
    class Reshaping(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 4)

        def forward(self, x):
            return self.lin(x).reshape(3, 3)

    with pytest.raises(ValueError, match=r"^summary: the model failed on an input of shape \(1, 3\) after layer 'lin': reshape"):
        cr.summary(Reshaping(), (3,), verbose=False)


def test_repr_html_is_the_table():
    from tests.test_html_table import rows_of

    model = small_model()
    model[1].bias.requires_grad_(False)
    rows = rows_of(cr.summary(model, (3, 4), verbose=False)._repr_html_())
    assert rows[:3] == [["Layer", "Type", "Output shape", "Params"], ["0", "Flatten", "(N, 12)", "0"],
                        ["1", "Linear", "(N, 5)", "65"]]
    assert rows[6] == ["4.1", "LogSoftmax", "(N, 3)", "0"]
    assert rows[7:] == [["", "Input shape", "(N, 3, 4)", ""], ["", "Total params", "", "80"],
                        ["", "Trainable params", "", "75"], ["", "Non-trainable params", "", "5"]]
