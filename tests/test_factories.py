"""Factories: names, signatures and default dtypes as in PyTorch."""
import numpy as np
import pytest

import chainrule as cr


def test_shapes_and_default_float32():
    for t in (cr.zeros(2, 3), cr.ones((2, 3)), cr.rand(2, 3), cr.randn([2, 3])):
        assert t.shape == (2, 3) and t.dtype == np.float32
    assert cr.zeros(2, 3).tolist() == [[0.0] * 3] * 2
    assert cr.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]] and cr.eye(2, 3).shape == (2, 3)


def test_full_and_arange_dtypes_follow_their_arguments():
    assert cr.full((2,), 1.5).dtype == np.float32
    assert cr.full((2,), 3).dtype == np.int64
    assert cr.arange(4).tolist() == [0, 1, 2, 3] and cr.arange(4).dtype == np.int64
    assert cr.arange(1, 2, 0.5).tolist() == [1.0, 1.5] and cr.arange(0.0, 1.0, 0.5).dtype == np.float32


def test_dtype_and_requires_grad_arguments():
    t = cr.zeros(2, dtype="float64", requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad and t.is_leaf
    assert cr.randn(3, dtype=cr.float64).dtype == np.float64
    with pytest.raises(TypeError, match="only floating point"):
        cr.arange(3, requires_grad=True)


def test_like_factories_keep_shape_and_dtype_unless_told():
    x = cr.ones(2, 3, dtype=cr.float64)
    assert cr.zeros_like(x).dtype == np.float64 and cr.ones_like(x).shape == (2, 3)
    assert cr.zeros_like(x, dtype=np.dtype("float32")).dtype == np.float32
    assert cr.full_like(x, 7.0).tolist() == [[7.0] * 3] * 2
    assert cr.rand_like(x).shape == (2, 3) and cr.randn_like(x, requires_grad=True).requires_grad


def test_random_factories_draw_from_the_seeded_generator():
    cr.manual_seed(3)
    a = cr.randn(4, dtype=cr.float64)
    cr.manual_seed(3)
    b = cr.randn(4, dtype=cr.float64)
    c = cr.randn(4, dtype=cr.float64)
    assert a.tolist() == b.tolist() != c.tolist()
    u = cr.rand(1000)
    assert 0.0 <= u.data.min() and u.data.max() < 1.0


def test_from_numpy_checks_its_argument():
    with pytest.raises(TypeError, match="expected a NumPy array, got list"):
        cr.from_numpy([1.0])
    with pytest.raises(TypeError, match="unsupported dtype"):
        cr.from_numpy(np.array(["a"]))


@pytest.mark.parametrize("make, message", [
    (lambda: cr.zeros(2.5), "zeros: sizes must be integers, got 2.5 of type float in (2.5,)"),
    (lambda: cr.ones((2, 3.0)), "ones: sizes must be integers, got 3.0 of type float in (2, 3.0)"),
    (lambda: cr.full((True, 2), 1.0), "full: sizes must be integers, got True of type bool in (True, 2)"),
    (lambda: cr.randn(2, "3"), "randn: sizes must be integers, got '3' of type str in (2, '3')"),
])
def test_sizes_must_be_integers_as_in_pytorch(make, message):
    with pytest.raises(TypeError) as info:
        make()
    assert str(info.value) == message


def test_numpy_integer_sizes_are_accepted():
    assert cr.zeros(np.int64(2), np.int32(3)).shape == (2, 3)
    assert cr.rand((np.uint8(4),)).shape == (4,) and cr.full(np.int16(2), 1.0).shape == (2,)


def test_new_factories_match_pytorch():
    torch = pytest.importorskip("torch")
    pairs = [
        (cr.linspace(-1, 2, 7), torch.linspace(-1, 2, 7)),
        (cr.linspace(0, 1, 1), torch.linspace(0, 1, 1)),
        (cr.logspace(0, 2, 3), torch.logspace(0, 2, 3)),
        (cr.logspace(1, 3, 3, base=2.0, dtype=cr.float64), torch.logspace(1, 3, 3, base=2.0, dtype=torch.float64)),
        (cr.empty(2, 3), torch.zeros(2, 3)),
        (cr.empty_like(cr.ones(2, dtype=cr.int32)), torch.zeros(2, dtype=torch.int32)),
    ]
    for ours, theirs in pairs:
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), rtol=1e-6)


def test_randint_randperm_forms_ranges_and_dtypes():
    cr.manual_seed(0)
    a = cr.randint(5, (1000,))
    assert a.dtype == np.int64 and a.shape == (1000,) and set(a.tolist()) == {0, 1, 2, 3, 4}
    b = cr.randint(-3, 2, (4, 250))
    assert b.shape == (4, 250) and set(np.unique(np.asarray(b))) == {-3, -2, -1, 0, 1}
    assert cr.randint(2, 4, size=(3,)).shape == (3,) and cr.randint(3, (2,), dtype=cr.float).dtype == np.float32
    p = cr.randperm(10)
    assert p.dtype == np.int64 and sorted(p.tolist()) == list(range(10))
    like = cr.randint_like(cr.zeros(2, 3), 10)
    assert like.shape == (2, 3) and like.dtype == np.float32 and np.all(np.asarray(like) == np.round(np.asarray(like)))
    assert set(np.unique(np.asarray(cr.randint_like(cr.zeros(300, dtype=cr.long), 5, 7)))) == {5, 6}


def test_randint_and_randperm_draw_from_the_seeded_generator():
    cr.manual_seed(7)
    first = (cr.randint(100, (5,)).tolist(), cr.randperm(6).tolist())
    cr.manual_seed(7)
    assert (cr.randint(100, (5,)).tolist(), cr.randperm(6).tolist()) == first


@pytest.mark.parametrize("make, error, message", [
    (lambda: cr.randint(3, 3, (2,)), ValueError, "randint: expects low < high, got low=3 and high=3"),
    (lambda: cr.randint(3), TypeError, "randint: expected (high, size) or (low, high, size)"),
    (lambda: cr.randint(2.5, (2,)), TypeError, "randint: high must be an integer, got 2.5 of type float"),
    (lambda: cr.randperm(-1), ValueError, "randperm: n must be non-negative, got -1"),
    (lambda: cr.linspace(0, 1, 2.0), TypeError, "linspace: steps must be an integer, got 2.0 of type float"),
])
def test_new_factories_refuse_bad_arguments(make, error, message):
    with pytest.raises(error) as info:
        make()
    assert str(info.value) == message


FACTORIES = [
    ("tensor", lambda **kw: cr.tensor([1.0], **kw)), ("zeros", lambda **kw: cr.zeros(2, **kw)),
    ("ones", lambda **kw: cr.ones(2, **kw)), ("empty", lambda **kw: cr.empty(2, **kw)),
    ("full", lambda **kw: cr.full((2,), 1.0, **kw)), ("eye", lambda **kw: cr.eye(2, **kw)),
    ("arange", lambda **kw: cr.arange(3, **kw)), ("linspace", lambda **kw: cr.linspace(0, 1, 3, **kw)),
    ("logspace", lambda **kw: cr.logspace(0, 1, 3, **kw)), ("rand", lambda **kw: cr.rand(2, **kw)),
    ("randn", lambda **kw: cr.randn(2, **kw)), ("randint", lambda **kw: cr.randint(3, (2,), **kw)),
    ("randperm", lambda **kw: cr.randperm(3, **kw)),
    *[(f"{name}_like", lambda name=name, **kw: getattr(cr, f"{name}_like")(cr.ones(2), **kw))
      for name in ("zeros", "ones", "empty", "rand", "randn")],
    ("full_like", lambda **kw: cr.full_like(cr.ones(2), 3.0, **kw)),
    ("randint_like", lambda **kw: cr.randint_like(cr.ones(2), 5, **kw)),
]


@pytest.mark.parametrize("name, make", FACTORIES, ids=[name for name, _ in FACTORIES])
def test_every_factory_takes_device(name, make):
    for device in (None, "cpu", "cpu:0", cr.device("cpu")):
        assert make(device=device).device == cr.device("cpu")
    with pytest.raises(RuntimeError) as info:
        make(device="cuda")
    where = name.removesuffix("_like")  # a *_like factory calls the plain one
    assert str(info.value).startswith(f"{where}: device 'cuda' is not available: chainrule runs on the CPU only")


def test_tensor_takes_a_name_for_the_explain_tools():
    assert cr.tensor(1.0, name="x").name == "x"
    assert cr.tensor(1.0).name is None
    with pytest.raises(TypeError, match="tensor: name must be a string, got int"):
        cr.tensor(1.0, name=3)


def test_as_tensor_shares_arrays_and_tensors_of_its_dtype_as_pytorch():
    torch = pytest.importorskip("torch")
    a = np.arange(3.0)
    shared, copied = cr.as_tensor(a), cr.as_tensor(a, dtype=cr.float32)
    a[0] = 9.0
    assert shared.tolist() == [9.0, 1.0, 2.0] and copied.tolist() == [0.0, 1.0, 2.0]
    t = cr.ones(2)
    assert cr.as_tensor(t) is t and cr.as_tensor([1, 2]).dtype == cr.int64
    expected = torch.as_tensor(np.arange(3.0))
    assert str(cr.as_tensor(np.arange(3.0)).dtype) == str(expected.dtype).removeprefix("torch.")


def test_multinomial_draws_by_weight_from_chainrules_generator():
    torch = pytest.importorskip("torch")
    cr.manual_seed(3)
    draws = cr.multinomial(cr.tensor([0.0, 3.0, 1.0]), 4000, replacement=True)
    counts = np.bincount(draws.numpy(), minlength=3)
    assert draws.dtype == cr.int64 and counts[0] == 0 and abs(counts[1] / 4000 - 0.75) < 0.03
    cr.manual_seed(3)
    assert cr.equal(draws, cr.multinomial(cr.tensor([0.0, 3.0, 1.0]), 4000, replacement=True))
    rows = cr.multinomial(cr.ones(5, 4), 4)  # without replacement: each row a permutation
    assert rows.shape == (5, 4) and all(sorted(r) == [0, 1, 2, 3] for r in rows.tolist())
    first = cr.multinomial(cr.tensor([[1.0, 0.0, 1.0]] * 50), 3)  # a zero weight is drawn last
    assert (first[:, 2] == 1).all() and torch.multinomial(torch.tensor([1.0, 0.0, 1.0]), 3)[2] == 1
    for lib in (cr, torch):  # PyTorch's error type for both
        with pytest.raises(RuntimeError):
            lib.multinomial(lib.tensor([1.0, 0.0, 1.0]), 4)
        with pytest.raises(RuntimeError):
            lib.multinomial(lib.tensor([0.0, 0.0]), 1)
    with pytest.raises(ValueError, match="weights must be finite and non-negative"):
        cr.multinomial(cr.tensor([1.0, -1.0]), 1)


def test_legacy_tensor_types_as_pytorch():
    torch = pytest.importorskip("torch")
    for name in ("FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor", "ByteTensor"):
        ours, theirs = getattr(cr, name)([1, 0, 2]), getattr(torch, name)([1, 0, 2])
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.") and ours.tolist() == theirs.tolist()
        assert isinstance(ours, getattr(cr, name)) and isinstance(theirs, getattr(torch, name))
    assert cr.FloatTensor(2, 3).shape == (2, 3) and not isinstance(cr.ones(2), cr.LongTensor)
    assert cr.tensor([1.5, 2.7]).type(cr.LongTensor).tolist() == [1, 2]
