"""Embedding lookup: rows of a weight matrix picked by integer indices, as ``torch.nn.functional.embedding``."""
from ..autograd.function import DTypeError, Function, ShapeError
from ..backend import xp
from ..tensor import Tensor

_INDEX_DTYPES = (xp.dtype(xp.int64), xp.dtype(xp.int32))


class Embedding(Function):
    """out[..., :] = weight[indices[...], :] for indices of any shape (*) -> (*, embedding_dim)."""

    __slots__ = ("rows", "padding_idx", "scale_grad_by_freq")
    saves_inputs = (0,)  # the indices
    fresh_grads = True  # backward returns a new array

    def forward(self, indices, weight, padding_idx=None, scale_grad_by_freq=False):
        self.rows, self.padding_idx, self.scale_grad_by_freq = weight.shape[0], padding_idx, scale_grad_by_freq
        self.saved = indices
        return weight[indices]

    def backward(self, grad):
        """dW[r] = sum of dy over the positions where indices == r (divided by that count when
        ``scale_grad_by_freq``); the padding row gets no gradient."""
        flat = self.saved.reshape(-1)
        rows_grad = grad.reshape(flat.size, grad.shape[-1])
        if self.scale_grad_by_freq:
            counts = xp.bincount(flat, minlength=self.rows)
            rows_grad = rows_grad / counts[flat][:, None].astype(grad.dtype)
        out = xp.zeros((self.rows, grad.shape[-1]), dtype=grad.dtype)
        xp.add.at(out, flat, rows_grad)
        if self.padding_idx is not None:
            out[self.padding_idx] = 0
        return None, out


def _renormalize_rows(weight, indices, max_norm, norm_type):
    """PyTorch's embedding_renorm_: rows looked up whose p-norm exceeds ``max_norm`` are scaled
    in place to max_norm / (norm + 1e-7)."""
    array = xp.asarray(weight)
    rows = xp.unique(indices)
    norms = xp.linalg.norm(array[rows], ord=norm_type, axis=1)
    too_long = norms > max_norm
    array[rows[too_long]] *= (max_norm / (norms[too_long] + 1e-7))[:, None].astype(array.dtype)


def embedding_padding_idx(padding_idx, rows, where):
    """``padding_idx`` as a row number in [0, rows) (negative counts from the end), or None."""
    if padding_idx is None:
        return None
    if not -rows <= padding_idx < rows:
        raise IndexError(f"{where}: padding_idx {padding_idx} must be within the {rows} embeddings "
                         f"(-{rows}..{rows - 1})")
    return padding_idx % rows


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of ``weight`` (num_embeddings, embedding_dim) at the integer ``input`` indices (*),
    giving (*, embedding_dim). The row ``padding_idx`` gets no gradient; ``max_norm``
    renormalizes the rows looked up, in place, as PyTorch does."""
    if sparse:
        raise ValueError("embedding: sparse gradients are not supported; use sparse=False")
    indices = input if isinstance(input, Tensor) else Tensor(xp.asarray(input))
    index_array = xp.asarray(indices)
    if index_array.dtype not in _INDEX_DTYPES:  # as PyTorch: Long or Int, not uint8 or bool
        raise DTypeError(f"embedding: indices must be integers (int64 or int32), got dtype {index_array.dtype}")
    if weight.ndim != 2:
        raise ShapeError(f"embedding: weight must be 2-d (num_embeddings, embedding_dim), got shape {weight.shape}")
    rows = weight.shape[0]
    if index_array.size and (index_array.min() < 0 or index_array.max() >= rows):
        bad = index_array[(index_array < 0) | (index_array >= rows)].flat[0]
        raise IndexError(f"embedding: index {bad} is out of range for {rows} embeddings (0..{rows - 1})")
    padding_idx = embedding_padding_idx(padding_idx, rows, "embedding")
    if max_norm is not None:
        _renormalize_rows(weight, index_array, max_norm, norm_type)
    return Embedding.apply(indices, weight, padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq)
