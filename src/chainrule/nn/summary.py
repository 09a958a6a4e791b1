"""``chainrule.summary(model, input_shape)``: a table of layers, output shapes and parameter counts.

It runs two forward passes, on zero batches of one and of two inputs, with forward hooks on every
layer, in eval mode and without recording a graph, so BatchNorm statistics, the random generator
and the model's training flags are left as they were. A dim that doubles from the first pass to
the second is the batch's and shows as N (``k*N`` where it holds k per input), wherever it is:
an LSTM's h_n (num_layers * directions, N, H) shows as ``(2, N, 128)``.
"""
import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor


class Summary:
    """The result of ``summary``: ``rows`` of (layer name, type, output shape for a batch of one,
    params), ``total_params``, ``trainable_params``; ``str()`` gives the table. ``paired_shapes``
    are (shape for a batch of one, shape for a batch of two) per row, which tell the batch dims."""

    def __init__(self, input_shape, rows, total_params, trainable_params, paired_shapes):
        self.input_shape = input_shape
        self.rows = rows
        self.total_params = total_params
        self.trainable_params = trainable_params
        self.paired_shapes = paired_shapes

    def _shape_texts(self):
        return [_shape_text(one, two) for one, two in self.paired_shapes]

    def _input_text(self):
        return _shape_text(self.input_shape, (2 * self.input_shape[0], *self.input_shape[1:]))

    def __str__(self):
        header = ("Layer (type)", "Output shape", "Params")
        body = [(f"{name} ({kind})", text, f"{count:,}")
                for (name, kind, _, count), text in zip(self.rows, self._shape_texts())]
        widths = [max(len(row[i]) for row in [header] + body) for i in range(3)]

        def line(row):
            return f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}"

        rule = "=" * len(line(header))
        return "\n".join([
            line(header), rule, *map(line, body), rule,
            f"Input shape: {self._input_text()}",
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.total_params - self.trainable_params:,}",
        ])

    __repr__ = __str__

    def _repr_html_(self):
        from ..html_table import html_table

        rows = [(name, kind, text, f"{count:,}") for (name, kind, _, count), text in zip(self.rows, self._shape_texts())]
        rows += [("", "Input shape", self._input_text(), ""),
                 ("", "Total params", "", f"{self.total_params:,}"),
                 ("", "Trainable params", "", f"{self.trainable_params:,}"),
                 ("", "Non-trainable params", "", f"{self.total_params - self.trainable_params:,}")]
        return html_table(("Layer", "Type", "Output shape", "Params"), rows, right=(3,))


def _shape_text(one, two):
    """'(N, 30)' from an output's shapes for batches of one and two: a dim that doubles shows
    as N (as k*N where it is k for one input); several outputs joined with commas."""
    if one and isinstance(one[0], tuple):
        return ", ".join(_shape_text(a, b) for a, b in zip(one, two))
    return "(" + ", ".join(str(a) if a == b else "N" if a == 1 else f"{a}*N" for a, b in zip(one, two)) + ")"


def _output_shape(output):
    if isinstance(output, Tensor):
        return output.shape
    if isinstance(output, (tuple, list)):
        return tuple(_output_shape(o) for o in output)
    return np.shape(output)


def summary(model, input_shape, dtype=None, verbose=True):
    """Run ``model`` on zero batches of one and of two inputs of ``input_shape`` (without the
    batch dim, e.g. ``(1, 28, 28)`` or ``(784,)``) and tabulate every layer that has no children (or has
    parameters of its own): its output shape and parameter count. Prints the table when
    ``verbose`` and returns a ``Summary``. ``dtype`` defaults to the first parameter's."""
    params = list(model.parameters())
    if dtype is None:
        dtype = params[0].dtype if params else np.float32
    shape = (1, *tuple(input_shape))
    rows, doubled, counted = [], [], set()
    batch = [shape]  # the batch of the pass running

    def record(module, _inputs, output):
        if batch[0] is not shape:
            doubled.append(_output_shape(output))
            return
        count = 0
        if id(module) not in counted:
            counted.add(id(module))
            count = sum(p._data.size for p in module.parameters(recurse=False))
        rows.append((names[id(module)], type(module).__name__, _output_shape(output), count))

    names, handles = {}, []
    for name, module in model.named_modules():
        if not module._modules or module._parameters:
            names[id(module)] = name or "(model)"
            handles.append(module.register_forward_hook(record))
    training = {id(m): m.training for m in model.modules()}
    model.eval()
    try:
        with no_grad():
            model(Tensor._make(np.zeros(shape, dtype=dtype), False, None))
            batch[0] = (2, *shape[1:])
            model(Tensor._make(np.zeros(batch[0], dtype=dtype), False, None))
    except (ValueError, TypeError, IndexError) as exc:
        done = doubled if batch[0] is not shape else rows
        if str(exc).startswith("layer '"):  # Module.__call__ already named the failing layer
            where = ""
        else:
            where = f" after layer {rows[len(done) - 1][0]!r}" if done else " in its first layer"
        raise type(exc)(f"summary: the model failed on an input of shape {batch[0]}{where}: {exc}") from exc
    finally:
        for handle in handles:
            handle.remove()
        for module in model.modules():
            object.__setattr__(module, "training", training[id(module)])
    result = Summary(shape, rows, sum(p._data.size for p in params),
                     sum(p._data.size for p in params if p.requires_grad),
                     [(row[2], two) for row, two in zip(rows, doubled)])
    if verbose:
        print(result)
    return result
