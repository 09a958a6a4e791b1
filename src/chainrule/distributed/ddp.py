"""``DistributedDataParallel``: the model on every rank, gradients averaged during backward.

How a step goes (PyTorch's design, on MPI):
  - at wrap time rank 0's parameters and buffers are broadcast, so every rank starts equal;
  - the parameters are packed, in reverse order (roughly the order backward produces their
    gradients), into flat buckets of at most ``bucket_cap_mb``, one dtype per bucket;
  - each forward marks, in the graph it recorded, every parameter that will receive a
    gradient; the engine calls a parameter's gradient hook once, with the sum over its uses,
    and the hook copies the parameter's whole gradient into its bucket. A bucket whose parameters
    are all in is reduced with a non-blocking ``Iallreduce`` at once, while backward goes
    on (buckets start in the same order on every rank, as MPI requires);
  - at the end of backward (``autograd.queue_callback``) the remaining buckets start, every
    request is waited for, and the averaged gradients are written into ``.grad``.
A parameter that the recorded graph does not use on this rank is ready when backward
starts, with a zero gradient (or the one no_sync accumulated); one flag per parameter in each bucket says whether any rank had a gradient, so a
parameter unused on every rank keeps ``.grad`` None, as in single-process training.
"""
import contextlib

import numpy as np

from ..autograd import is_grad_enabled, no_grad, queue_callback
from ..nn.module import Module
from ..tensor import Tensor
from .watchdog import waiting
from .world import broadcast, init

MEGABYTE = 1024 * 1024


class _Bucket:
    """Flat storage for the gradients of ``params`` (one dtype) plus one flag per parameter."""

    def __init__(self, params):
        self.params = params
        sizes = [np.asarray(p).size for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.flat = np.zeros(self.offsets[-1] + len(params), dtype=params[0].dtype)
        self.flags = self.flat[self.offsets[-1]:]
        self.done = np.zeros(len(params), dtype=bool)  # gradient in ``flat``
        self.waiting = len(params)
        self.request = None

    def view(self, slot):
        """The part of ``flat`` that holds parameter ``slot``'s gradient, in its shape."""
        start, stop = self.offsets[slot], self.offsets[slot + 1]
        return self.flat[start:stop].reshape(self.params[slot].shape)

    def put(self, slot, grad, contribution=None):
        """Store the parameter's gradient (``grad`` + ``contribution``; either may be None)."""
        view = self.view(slot)
        parts = [np.asarray(g) for g in (grad, contribution) if g is not None]
        if len(parts) == 2:
            np.add(parts[0], parts[1], out=view)
        elif parts:
            np.copyto(view, parts[0])
        else:
            view.fill(0)
        self.flags[slot] = 1 if parts else 0
        self.done[slot] = True
        self.waiting -= 1


def make_buckets(params, cap_bytes):
    """Consecutive runs of ``params`` of one dtype and at most ``cap_bytes`` (a parameter
    larger than that gets a bucket of its own)."""
    buckets, current, size = [], [], 0
    for param in params:
        array = np.asarray(param)
        if current and (size + array.nbytes > cap_bytes or array.dtype != np.asarray(current[0]).dtype):
            buckets.append(current)
            current, size = [], 0
        current.append(param)
        size += array.nbytes
    return buckets + [current] if current else buckets


def _tensors_in(value):
    """The Tensors in a forward's output: a Tensor, or tuples, lists and dicts of them."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        return [tensor for item in value for tensor in _tensors_in(item)]
    return []


def used_leaves(outputs, index):
    """The positions in ``index`` (a dict id(leaf) -> position) of the leaves that the graphs
    of ``outputs`` use."""
    used, seen = set(), set()
    stack = [t.grad_fn for t in outputs if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for inp, needed in zip(node.inputs, node.needs_input_grad):
            if not needed:
                continue
            if inp.grad_fn is not None:
                stack.append(inp.grad_fn)
            elif id(inp) in index:
                used.add(index[id(inp)])
    return used


class DistributedDataParallel(Module):
    """Wrap ``module`` so that backward averages its gradients over every rank.

    Call it as the module; ``.module`` is the wrapped one (``state_dict`` keys start with
    ``module.``, as in PyTorch). ``bucket_cap_mb``: the size of the flat gradient buffers
    each reduced by one allreduce. ``broadcast_buffers``: copy rank 0's buffers (batch-norm
    running statistics) to every rank before each training forward. Each rank's loss
    should be the mean over its own share of the batch: the gradients are averaged. In a
    world of one it is the module itself.
    """

    def __init__(self, module, bucket_cap_mb=25, broadcast_buffers=True):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected a Module, got {type(module).__name__}")
        if not bucket_cap_mb > 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive, got {bucket_cap_mb!r}")
        self.module = module
        self.bucket_cap_mb, self.broadcast_buffers = bucket_cap_mb, bool(broadcast_buffers)
        self.require_backward_grad_sync = True
        self._world = init()
        for tensor in [*module.parameters(), *module.buffers()]:
            broadcast(tensor, 0)
        self._params = [p for p in module.parameters() if p.requires_grad]
        self._index = {id(p): i for i, p in enumerate(self._params)}
        groups = make_buckets(reversed(self._params), bucket_cap_mb * MEGABYTE)
        self._place = {}  # parameter position -> (bucket number, slot in it)
        for number, group in enumerate(groups):
            for slot, param in enumerate(group):
                self._place[self._index[id(param)]] = (number, slot)
        self._groups = groups
        self._armed = False  # a synchronised backward is expected
        self._pending = set()  # positions of the parameters whose gradient this backward awaits
        for position, param in enumerate(self._params):
            param.register_hook(self._gradient_hook(position))

    def forward(self, *inputs, **kwargs):
        parallel = self._world.size > 1
        if parallel and self.training and self.broadcast_buffers:
            for buffer in self.module.buffers():
                broadcast(buffer, 0)
        outputs = self.module(*inputs, **kwargs)
        if parallel and self.require_backward_grad_sync and is_grad_enabled():
            tensors = [t for t in _tensors_in(outputs) if t.requires_grad]
            if not self._armed:
                self._arm()
            self._pending |= used_leaves(tensors, self._index)  # each hook runs once per backward
            for tensor in tensors:
                if tensor.grad_fn is not None:
                    tensor.register_hook(self._output_hook)
        return outputs

    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes of forwards run inside accumulate gradients locally, without
        communication; the first synchronised backward after averages the sum."""
        previous, self.require_backward_grad_sync = self.require_backward_grad_sync, False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # ---- during backward ------------------------------------------------------------------
    def _arm(self):
        self._armed, self._queued, self._pending, self._next = True, False, set(), 0
        self._buckets = [_Bucket(group) for group in self._groups]

    def _queue_finish(self):
        """At the first gradient of a backward: queue its end, and count the parameters its
        graph does not use as ready (their buckets need not wait for them)."""
        if self._queued:
            return
        self._queued = True
        queue_callback(self._finish)
        for position, param in enumerate(self._params):
            if position not in self._pending:
                number, slot = self._place[position]
                self._buckets[number].put(slot, param.grad)
        self._start_ready()

    def _output_hook(self, grad):
        if self._armed:
            self._queue_finish()

    def _gradient_hook(self, position):
        def hook(grad):
            if self._armed:
                self._receive(position, grad)

        return hook

    def _receive(self, position, contribution):
        self._queue_finish()
        if position not in self._pending:
            raise RuntimeError(
                f"DistributedDataParallel: parameter {self._name(position)} got more gradients "
                "than the module's forward used it; use it only inside the wrapped module's forward "
                "(or inside no_sync()), one forward per backward")
        self._pending.discard(position)
        number, slot = self._place[position]  # its gradient: the engine adds it to .grad after this hook
        bucket = self._buckets[number]
        bucket.put(slot, self._params[position].grad, contribution)
        if bucket.waiting == 0:
            self._start_ready()

    def _start_ready(self):
        """Start the allreduce of every bucket that is complete and next in order."""
        world = self._world
        while self._next < len(self._buckets) and self._buckets[self._next].waiting == 0:
            bucket = self._buckets[self._next]
            bucket.request = world.comm.Iallreduce(world.mpi.IN_PLACE, bucket.flat, op=world.mpi.SUM)
            self._next += 1
        world.mpi.Request.Testall([b.request for b in self._buckets[:self._next]])  # progress

    def _finish(self):
        """End of backward: reduce what is left, wait, write the averages into ``.grad``."""
        self._armed = False
        for bucket in self._buckets:
            for slot in np.flatnonzero(~bucket.done):  # an op gave None for it
                bucket.put(slot, bucket.params[slot].grad)
        self._start_ready()
        with waiting("the gradient allreduce"):
            self._world.mpi.Request.Waitall([bucket.request for bucket in self._buckets])
        size = self._world.size
        with no_grad():
            for bucket in self._buckets:
                for slot, param in enumerate(bucket.params):
                    if bucket.flags[slot] == 0:
                        continue  # no rank had a gradient: it stays None
                    average = bucket.view(slot) / size
                    if param.grad is None:
                        param.grad = Tensor._make(average, False, None)
                    else:
                        param.grad._data[...] = average

    def _name(self, position):
        target = self._params[position]
        return next((repr(name) for name, p in self.module.named_parameters() if p is target), "?")

    def extra_repr(self):
        return f"world_size={self._world.size}, bucket_cap_mb={self.bucket_cap_mb}"
