"""``Function``: one differentiable op, and the node that records it in the graph.

An op subclasses ``Function`` and writes ``forward`` (NumPy arrays in, one array
out; caches what backward needs in ``self.saved``) and ``backward`` (the upstream
gradient in, one gradient or None per positional input out). Broadcast reduction
and dtype casting of the returned gradients happen once, in the engine.
"""
import numpy as np

from ..tensor import Tensor, inplace_changes
from .grad_mode import _mode as _grad_mode
from .grad_mode import no_grad as _no_grad

_NUMBER_TYPES = (int, float, bool, np.number, np.bool_, np.ndarray)

# NumPy 1.x's legacy promotion makes a 0-d float32 array combined with a Python number
# float64; NumPy 2 (NEP 50) keeps float32, as PyTorch does. Ops follow NumPy 2 on both.
LEGACY_PROMOTION = np.lib.NumpyVersion(np.__version__) < "2.0.0"

# Callables run on every op: forward_hooks(node, output) (on every forward, recorded or not;
# node.inputs and node.params are set either way) and backward_hooks(node, grad_output,
# grad_inputs). Empty lists cost one truth test.
forward_hooks = []
backward_hooks = []


class ShapeError(ValueError, RuntimeError):
    """A shape error whose message already names the op and the shapes. A ValueError, and a
    RuntimeError as PyTorch raises for wrong shapes, so ``except RuntimeError`` catches it too."""


class DTypeError(TypeError):
    """A dtype error whose message already names the op and the dtypes."""


def check_input_dtype(op, input, *params):
    """PyTorch's rule for a layer with parameters: the input's dtype must be the parameters'
    (float32 data is not promoted to a float64 layer, nor int64 data to any). ``params`` are
    Tensors or arrays, None skipped. A DTypeError naming ``op``, both dtypes and the fix
    otherwise. O(1): it compares dtypes and touches no data."""
    got = getattr(input, "dtype", None)
    for param in params:
        if param is None or got is None or param.dtype == got:
            continue
        want = param.dtype
        if got.kind == "f":
            fix = f"convert the input (x.to(chainrule.{want})) or the model (model.to(chainrule.{got}))"
        else:
            fix = f"convert the input to floats: x.to(chainrule.{want})"
        raise DTypeError(f"{op}: input is {got} but the parameters are {want}; {fix}")


class FreedGraphError(RuntimeError):
    """Backward reached a node whose saved values were freed by an earlier backward."""


FREED = object()  # marks ``saved`` of a node after backward released it

_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


class _AllInputs:
    """``saves_inputs`` of an op with any number of inputs that saves every one (einsum)."""

    def __contains__(self, index):
        return True


ALL_INPUTS = _AllInputs()


def share_view_counter(out, args):
    """An output that is a view of an input's memory (reshape, a slice, a transpose) shares
    its version counter, as a PyTorch view does: a change through either is seen by both."""
    data = out._data
    base = data.base
    for a in args:
        if isinstance(a, Tensor):
            other = a._data
            # the input itself or the array the view was taken of first: may_share_memory is a
            # slower call (and two views of one array need not overlap)
            if data is other or base is other or np.may_share_memory(data, other):
                out._version_counter = a._counter()
                return


def check_saved_versions(node, grad):
    """PyTorch's error if a value ``node`` saved for backward (``saves_inputs``,
    ``saves_output``) was changed in place since its forward; ``grad`` has the output's shape
    and dtype. The engine calls it only when some in-place change happened since
    (``node.epoch``, the count of changes at forward, is behind ``inplace_changes``). With
    ``saves_crosswise`` an input counts only when another input needs a gradient (x * y
    reads y for dx, x for dy), as in PyTorch."""
    epoch = node.epoch
    saves = node.saves_inputs
    if saves:
        inputs, needs = node.inputs, node.needs_input_grad
        count = len(inputs)
        crosswise = node.saves_crosswise and needs.count(True)
        for i in range(count) if saves is ALL_INPUTS else saves:
            # i past the end: an optional input left out (layer_norm without a weight)
            if i < count and not (crosswise and crosswise == needs[i]) and isinstance(inputs[i], Tensor):
                counter = inputs[i]._version_counter
                if counter is not None and counter[1] and counter[1][0] > epoch:
                    raise _modified_error(node, grad, counter, i)
    counter = node.out_counter
    if counter is not None and counter[1] and counter[1][0] > epoch:
        raise _modified_error(node, grad, counter, -1)


def _modified_error(node, grad, counter, index):
    """PyTorch's error for input ``index`` (-1: the output) of ``node``, whose ``counter``
    counted a change after the node's forward."""
    array = grad if index < 0 else node.inputs[index]._data
    what = "output" if index < 0 else f"input {index}"
    version, changes = counter
    since = sum(change > node.epoch for change in changes)
    # exact if a kept change came before forward, or the counter kept every change it had
    exact = since < len(changes) or len(changes) == version
    expected = f"{version - since}" if exact else f"{version - since} or earlier"
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{_TYPE_NAMES.get(array.dtype.name, array.dtype.name)}Tensor "
        f"of shape {array.shape}] is at version {version}; expected version {expected} "
        f"instead ({node.op_name()} saved it as its {what} for backward; change a copy "
        "(.clone()) or change it after backward)"
    )


def _shape_list(arrays):
    shapes = [str(np.shape(a)) for a in arrays]
    return shapes[0] if len(shapes) == 1 else ", ".join(shapes[:-1]) + " and " + shapes[-1]


def undo_legacy_promotion(data, arrays):
    """NumPy 1.x only: ``data`` in the float dtype its array inputs promote to, when Python
    numbers (taken as float64 there) made it wider, e.g. float32 0-d * 0.5."""
    strong = [a for a in arrays if isinstance(a, (np.ndarray, np.generic))]
    if strong:
        dtype = np.result_type(*strong)
        if dtype.kind == "f" and dtype.itemsize < data.dtype.itemsize:
            return data.astype(dtype)
    return data


def op_error(name, exc, arrays):
    """The error of a failed forward, re-raised naming the op and the input shapes."""
    message = str(exc).strip()
    if isinstance(exc, ValueError):
        if "could not be broadcast" in message:
            return ValueError(f"{name}: shapes {_shape_list(arrays)} cannot be broadcast together")
        return ValueError(f"{name}: {message} (input shapes {_shape_list(arrays)})")
    dtypes = ", ".join(str(getattr(a, "dtype", type(a).__name__)) for a in arrays)
    return TypeError(f"{name}: {message} (input dtypes {dtypes})")


class Function:
    """Base of every op. Instances are graph nodes: ``inputs`` holds the op's
    arguments (Tensors or constants), ``params`` its keyword parameters (so tools
    can re-run the op), ``saved`` whatever forward cached. Nodes can be weakly
    referenced, so tools can attach data to a graph without keeping it alive.

    ``name`` (a class attribute) is the op's name in messages; by default the
    class name in lower case. ``fresh_grads = True`` promises that every array
    ``backward`` returns is new and referenced nowhere else (not saved, not an
    input, not returned twice), so the engine may keep it as a leaf's ``.grad``
    without a copy. ``sets_dtype = True`` marks an op whose output dtype is a parameter
    (a cast), not the promotion of its inputs.

    ``saves_inputs`` (indices of the required positional inputs whose arrays ``saved``
    refers to, or ``ALL_INPUTS``) and ``saves_output`` (whether it refers to the output's array) let backward
    detect a saved value changed in place after forward: ``epoch`` records the count of
    in-place changes at forward and ``out_counter`` the output's version counter
    (``check_saved_versions``).
    """

    __slots__ = ("inputs", "params", "saved", "needs_input_grad", "hooks", "epoch", "out_counter",
                 "__weakref__")
    name = None
    saves_inputs = ()
    saves_output = False
    saves_crosswise = False
    fresh_grads = False
    sets_dtype = False

    @classmethod
    def op_name(cls):
        return cls.name or cls.__name__.lower()

    def __init_subclass__(cls, **kwargs):
        """A subclass written PyTorch's way (``@staticmethod forward(ctx, *tensors)`` and
        ``backward(ctx, grad_output)`` on Tensors, ``ctx.save_for_backward``) runs through
        ``_TorchStyle``: its forward and backward see Tensors, computed without recording."""
        super().__init_subclass__(**kwargs)
        if isinstance(cls.__dict__.get("forward"), staticmethod):
            cls._ctx_forward, cls._ctx_backward = cls.__dict__["forward"], cls.__dict__["backward"]
            cls.forward, cls.backward = _TorchStyle.forward, _TorchStyle.backward
            cls.save_for_backward = _TorchStyle.save_for_backward

    @classmethod
    def apply(cls, *args, **params):
        """Run forward on the arrays of ``args`` and record the node if any input needs grad.

        Only floating-point outputs are recorded: a cast to an integer type ends the graph.
        """
        node = cls.__new__(cls)
        node.saved = None
        arrays = []
        needs = []
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                needs.append(a.requires_grad)
            elif isinstance(a, _NUMBER_TYPES):
                arrays.append(a)
                needs.append(False)
            else:
                raise TypeError(
                    f"{cls.op_name()}: unsupported operand of type {type(a).__name__}; "
                    "expected a Tensor, a NumPy array or a Python number"
                )
        try:
            data = node.forward(*arrays, **params)
        except (ShapeError, DTypeError):
            raise
        except ValueError as exc:
            raise op_error(cls.op_name(), exc, arrays) from None
        except TypeError as exc:
            raise op_error(cls.op_name(), exc, arrays) from exc
        if type(data) is not np.ndarray:
            data = np.asarray(data)
        if LEGACY_PROMOTION and data.dtype == np.float64 and not cls.sets_dtype:
            data = undo_legacy_promotion(data, arrays)
        record = True in needs and _grad_mode.enabled and data.dtype.kind == "f"
        out = Tensor._make(data, record, node if record else None)
        shared = data.base is not None  # a view (of an input?), or an input itself
        if not shared:
            for x in arrays:
                if x is data:
                    shared = True
                    break
        if shared:
            share_view_counter(out, args)
        if record:
            node.inputs = args
            node.params = params
            node.needs_input_grad = needs
            node.hooks = None
            node.epoch = inplace_changes[0]  # backward checks what the node saved if this moves on
            node.out_counter = out._counter() if cls.saves_output else None
        elif forward_hooks:  # unrecorded: the hooks still see what the op was given
            node.inputs = args
            node.params = params
        if forward_hooks:
            for hook in forward_hooks:
                hook(node, out)
        return out

    def forward(self, *arrays, **params):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    @property
    def next_functions(self):
        """((node, 0), ...) per positional input, as in PyTorch: the input's ``grad_fn``, an
        ``AccumulateGrad`` for a leaf that requires grad, None for anything else."""
        return tuple(
            ((inp.grad_fn or AccumulateGrad(inp)) if isinstance(inp, Tensor) and inp.requires_grad else None, 0)
            for inp in self.inputs
        )

    def __repr__(self):
        return f"<{type(self).__name__}Backward>"


class AccumulateGrad:
    """Where backward adds a leaf's gradient (``variable`` is the leaf), as PyTorch names it."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    next_functions = ()

    def __repr__(self):
        return "<AccumulateGrad>"


class _TorchStyle:
    """The adapters a PyTorch-style ``Function`` subclass gets; the node is the ``ctx``."""

    def forward(self, *arrays, **params):
        tensors = [Tensor._make(a, False, None) if isinstance(a, np.ndarray) else a for a in arrays]
        with _no_grad():
            out = type(self)._ctx_forward(self, *tensors, **params)
        if not isinstance(out, Tensor):
            raise TypeError(f"{type(self).__name__}.forward must return one Tensor, got {type(out).__name__}")
        return out._data

    def backward(self, grad):
        with _no_grad():
            grads = type(self)._ctx_backward(self, Tensor._make(grad, False, None))
        grads = grads if isinstance(grads, tuple) else (grads,)
        return tuple(g._data if isinstance(g, Tensor) else g for g in grads)

    def save_for_backward(self, *tensors):
        """Keep ``tensors`` for backward as ``ctx.saved_tensors``."""
        self.saved_tensors = tensors
