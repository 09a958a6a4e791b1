"""``Module`` and ``Parameter``: the building blocks of networks, as in ``torch.nn``.

A Module owns Parameters (trainable tensors), buffers (NumPy arrays saved in the state
dict but not trained, such as BatchNorm's running statistics) and child Modules, all
registered by plain attribute assignment (``self.fc = Linear(3, 4)``).
"""
from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from ..autograd.function import DTypeError, ShapeError
from ..device import refuse_cuda, resolve_device
from ..inplace import bump_version
from ..state_dicts import state_dict_problems
from ..tensor import Tensor, parse_to_arguments, resolve_dtype


class Parameter(Tensor):
    """A leaf Tensor that a Module registers as trainable; ``requires_grad`` is True by default.

    ``Parameter(array)`` shares the array (no copy), like ``torch.nn.Parameter``.
    """

    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        shared = data._data if isinstance(data, Tensor) else data
        if isinstance(shared, np.ndarray):
            super().__init__(())  # then share the array instead of copying it
            self._data = shared
        else:
            super().__init__(shared)
        self.requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def layer_dtype(where, device=None, dtype=None):
    """The dtype of a new layer's parameters: float32 unless ``dtype`` is given. ``device``
    must be the CPU (None, 'cpu' or ``chainrule.device('cpu')``): a RuntimeError naming the
    layer says so for any other."""
    resolve_device(device, where)
    return np.dtype(np.float32) if dtype is None else resolve_dtype(dtype, where)


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class StateDictError(RuntimeError):
    """``load_state_dict`` found problems; every one of them is listed in the message.

    Attributes: ``missing_keys``, ``unexpected_keys``, ``mismatches`` (list of
    ``(key, problem)`` for shape and dtype mismatches).
    """

    def __init__(self, module_name, problems):
        lines = [f"Error(s) in loading state_dict for {module_name}:"]
        lines.extend(f"  {line}" for line in problems.messages())
        super().__init__("\n".join(lines))
        self.missing_keys, self.unexpected_keys, self.mismatches = problems


class RemovableHandle:
    """Returned by ``register_forward_hook``; ``remove()`` unregisters the hook."""

    __slots__ = ("_hooks", "_key")
    _next_key = 0

    def __init__(self, hooks):
        self._hooks = hooks
        self._key = RemovableHandle._next_key
        RemovableHandle._next_key += 1

    def remove(self):
        self._hooks.pop(self._key, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _buffer_array(name, value):
    if value is None or isinstance(value, np.ndarray):
        return value
    if isinstance(value, Tensor):
        return value._data
    raise TypeError(f"buffer {name!r}: expected a NumPy array (or None), got {type(value).__name__}")


def _as_array(value):
    """A state-dict value as an array: a Tensor's own, or ``np.asarray`` (PyTorch CPU tensors)."""
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def zero_grads(tensors, set_to_none=True):
    """Reset each tensor's gradient: to None, or to zeros in place (keeping the array)."""
    for tensor in tensors:
        if tensor._grad is None:
            continue
        if set_to_none:
            tensor._grad = None
        else:
            tensor._grad._data.fill(0)


def _add_indent(text, spaces):
    lines = text.split("\n")
    return lines[0] if len(lines) == 1 else "\n".join([lines[0]] + [" " * spaces + ln for ln in lines[1:]])


_LAYER_ERROR_TYPES = (ValueError, TypeError, IndexError, ShapeError, DTypeError)  # built from one message


def _one_line(module):
    text = repr(module)
    return text if "\n" not in text else type(module).__name__


def _named_in(caller, exc):
    """``exc``, raised while ``caller`` ran, re-raised naming the layer it came from.

    The innermost module that raised is remembered on the exception; every enclosing module
    looks up that layer's dotted path among its own descendants, so the error leaving the
    outermost call says e.g. ``layer 'features.1' (Conv2d(...)): conv2d: input of shape ...``.
    The type stays the same (a ShapeError stays a ShapeError), chained from the op's error.
    """
    layer = getattr(exc, "_layer", None)
    if layer is None:  # raised by this module's own forward
        exc._layer, exc._op_error = caller, exc
        return exc
    op_error = exc._op_error
    if type(op_error) not in _LAYER_ERROR_TYPES:
        return exc
    path = next((name for name, module in caller.named_modules() if module is layer), "")
    if not path:  # the layer is the caller itself, or not one of its registered children
        return exc
    named = type(op_error)(f"layer '{path}' ({_one_line(layer)}): {op_error}")
    named._layer, named._op_error = layer, op_error
    named.__cause__ = op_error
    return named


class Module:
    """Base class of every layer and model. Subclasses call ``super().__init__()`` first,
    assign Parameters, buffers and sub-Modules as attributes, and define ``forward``."""

    def __init__(self):
        set_attr = object.__setattr__
        set_attr(self, "training", True)
        set_attr(self, "_parameters", OrderedDict())
        set_attr(self, "_buffers", OrderedDict())
        set_attr(self, "_non_persistent_buffers", set())
        set_attr(self, "_modules", OrderedDict())
        set_attr(self, "_forward_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward method")

    def __call__(self, *args, **kwargs):
        try:  # free when nothing is raised
            result = self.forward(*args, **kwargs)
            if self._forward_hooks:
                for hook in tuple(self._forward_hooks.values()):
                    replaced = hook(self, args, result)
                    if replaced is not None:
                        result = replaced
        except (ValueError, TypeError, IndexError) as exc:
            raise _named_in(self, exc)
        return result

    def register_forward_hook(self, hook):
        """Call ``hook(module, inputs, output)`` after every forward; it may return a new output."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle._key] = hook
        return handle

    # ---- registration ------------------------------------------------------------------
    def _check_initialized(self, name):
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() is called; "
                f"call super().__init__() first in {type(self).__name__}.__init__"
            )

    @staticmethod
    def _check_name(name, kind):
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{kind} name must be a non-empty string without '.', got {name!r}")

    def _discard(self, name, keep=None):
        """Forget ``name`` everywhere but in the store ``keep``, where re-registering it keeps
        its position (as a dict assignment does in PyTorch)."""
        for store in (self._parameters, self._buffers, self._modules):
            if store is not keep:
                store.pop(name, None)
        self._non_persistent_buffers.discard(name)
        self.__dict__.pop(name, None)

    def register_parameter(self, name, param):
        """Add a Parameter (or None) under ``name``."""
        self._check_initialized(name)
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign {type(param).__name__} as parameter {name!r} "
                "(chainrule.nn.Parameter or None expected)"
            )
        self._discard(name, keep=self._parameters)
        self._parameters[name] = param

    def register_buffer(self, name, array, persistent=True):
        """Add a NumPy array (or None) saved in the state dict but not trained.

        ``persistent=False`` keeps it out of the state dict.
        """
        self._check_initialized(name)
        self._check_name(name, "buffer")
        array = _buffer_array(name, array)
        self._discard(name, keep=self._buffers)
        self._buffers[name] = array
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Add a child Module (or None) under ``name``."""
        self._check_initialized(name)
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._discard(name, keep=self._modules)
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self.add_module(name, value)
        elif params is not None and name in params:
            self.register_parameter(name, value)  # a None, or a TypeError naming the parameter
        elif params is not None and name in self._modules:
            self.add_module(name, value)
        elif params is not None and name in self._buffers:
            self._buffers[name] = _buffer_array(name, value)
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Only called when normal lookup fails: Parameters, buffers and Modules live in dicts.
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    # ---- traversal --------------------------------------------------------------------------
    def named_children(self):
        """(name, module) for every direct child."""
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(dotted name, module) for this module and every descendant; a module reachable
        by several paths is listed once unless ``remove_duplicate`` is False."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, module in self.named_children():
            yield from module.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def _named_members(self, store, prefix, recurse):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, store).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix="", recurse=True):
        """(dotted name, Parameter), e.g. ``('0.weight', ...)``; shared Parameters once."""
        return self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True):
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse=True):
        for _, array in self.named_buffers(recurse=recurse):
            yield array

    def get_submodule(self, target):
        """The descendant at dotted path ``target`` ('' is this module)."""
        module = self
        for part in target.split(".") if target else ():
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no submodule {part!r} (in {target!r})")
            module = child
        return module

    def apply(self, fn):
        """Call ``fn(module)`` on every child (recursively), then on this module."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients ------------------------------------------------------------------
    def train(self, mode=True):
        """Set training mode (Dropout active, BatchNorm uses batch statistics) recursively."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self):
        """Set evaluation mode; same as ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset every parameter's gradient: to None (default) or to zeros in place."""
        zero_grads(self.parameters(), set_to_none)

    def to(self, *args, **kwargs):
        """Cast floating-point parameters (and their grads) and float buffers to ``dtype``, in place.
        Takes ``Tensor.to``'s forms (``to(device)``, ``to(device, dtype)``, ``dtype=``, ...);
        the device must be the CPU, where everything already is."""
        _, dtype, _ = parse_to_arguments(args, kwargs, "Module.to")
        if dtype is None:
            return self
        if dtype.kind != "f":
            raise TypeError(f"Module.to: only floating point dtypes are allowed, got {dtype.name}")
        for module in self.modules():
            for param in module._parameters.values():
                if param is not None and param.dtype.kind == "f":
                    param._data = param._data.astype(dtype, copy=False)
                    if param._grad is not None:
                        param._grad._data = param._grad._data.astype(dtype, copy=False)
            for name, array in module._buffers.items():
                if array is not None and array.dtype.kind == "f":
                    module._buffers[name] = array.astype(dtype, copy=False)
        return self

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    def cpu(self):
        """Itself: parameters and buffers are on the CPU already."""
        return self

    def cuda(self, device=None):
        """Always an error naming the problem: chainrule has no CUDA device."""
        refuse_cuda(device, "Module.cuda")

    # ---- state dict ------------------------------------------------------------------------------
    def state_dict(self, prefix=""):
        """An ordered dict of every parameter and persistent buffer, keyed like PyTorch
        (``'0.weight'``, ``'1.running_mean'``; a shared module appears under each of its
        names, as in PyTorch). Values are the NumPy arrays themselves
        (shared, not copied, as PyTorch's are): copy them to keep a snapshot."""
        out = OrderedDict()
        for module_prefix, module in self.named_modules(prefix=prefix, remove_duplicate=False):
            base = f"{module_prefix}." if module_prefix else ""
            for name, param in module._parameters.items():
                if param is not None:
                    out[base + name] = param._data
            for name, array in module._buffers.items():
                if array is not None and name not in module._non_persistent_buffers:
                    out[base + name] = array
        return out

    def load_state_dict(self, state_dict, strict=True):
        """Copy ``state_dict``'s values into this module's parameters and buffers, in place.

        Values may be NumPy arrays, Tensors or anything ``np.asarray`` accepts (PyTorch
        CPU tensors); a dtype must cast within its kind (float64 to float32, as in
        PyTorch). Nothing is changed if there is a problem: a ``StateDictError`` lists
        every missing key and unexpected key (when ``strict``), every shape or dtype
        mismatch and every read-only array of the model. Returns ``(missing_keys,
        unexpected_keys)``.
        """
        if not isinstance(state_dict, Mapping):
            given = type(state_dict).__name__
            if isinstance(state_dict, Module):
                given = f"a {given} module; pass its .state_dict()"
            raise TypeError(f"load_state_dict: expected a state dict (a mapping of names to arrays), "
                            f"got {given}")
        targets = self.state_dict()
        sources, unreadable = {}, []
        for key, value in state_dict.items():
            try:
                sources[key] = _as_array(value) if key in targets else value
            except (TypeError, ValueError) as exc:  # a ragged list, say: no array at all
                unreadable.append((key, f"not an array ({type(exc).__name__}: {exc})"))
        skipped = {key for key, _ in unreadable}  # reported as unreadable, not as missing
        found = state_dict_problems(
            sources, {key: target for key, target in targets.items() if key not in skipped},
            allow_cast=True)
        found.mismatches.extend(unreadable)
        found.mismatches.extend((key, "the model's array is read-only") for key, target
                                in targets.items() if key in sources and not target.flags.writeable)
        errors = found if strict else found._replace(missing_keys=[], unexpected_keys=[])
        if errors:
            raise StateDictError(type(self).__name__, errors)
        tensors = {**dict(self.named_buffers()), **dict(self.named_parameters())}
        for key, target in targets.items():
            if key in sources:
                np.copyto(target, sources[key], casting="same_kind")
                if isinstance(tensors.get(key), Tensor):  # a graph that saved it sees the change
                    bump_version(tensors[key])
        return IncompatibleKeys(found.missing_keys, found.unexpected_keys)

    # ---- repr -----------------------------------------------------------------------------------
    def extra_repr(self):
        """The text inside the parentheses of this module's repr (override in layers)."""
        return ""

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines.extend(extra.split("\n"))
        for name, module in self._modules.items():
            lines.append(f"({name}): " + _add_indent(repr(module), 2))
        main = type(self).__name__ + "("
        if not lines:
            return main + ")"
        if len(lines) == 1 and not self._modules:
            return main + lines[0] + ")"
        return main + "\n  " + "\n  ".join(lines) + "\n)"
