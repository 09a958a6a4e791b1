"""chainrule.vision.transforms against torchvision's documented contract (torchvision itself
is not installable beside this torch): values computed independently here."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.vision import transforms as T

Image = pytest.importorskip("PIL.Image")


def test_to_tensor_scales_uint8_arrays_and_moves_channels_first():
    gray = np.array([[0, 51], [255, 102]], dtype=np.uint8)
    out = T.ToTensor()(gray)
    assert isinstance(out, cr.Tensor) and out.shape == (1, 2, 2) and out.dtype == cr.float32
    np.testing.assert_array_equal(out.numpy(), np.float32([[[0.0, 0.2], [1.0, 0.4]]]))  # 51/255 is 0.2
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)  # (H, W, C)
    out = T.ToTensor()(rgb).numpy()
    assert out.shape == (3, 2, 3)
    for c, h, w in np.ndindex(3, 2, 3):
        assert out[c, h, w] == np.float32(rgb[h, w, c]) / np.float32(255)


def test_to_tensor_keeps_other_dtypes_as_torchvision_does():
    floats = np.array([[0.5, 7.0]], dtype=np.float64)
    out = T.ToTensor()(floats)
    assert out.dtype == cr.float64 and out.numpy().tolist() == [[[0.5, 7.0]]]


def test_to_tensor_on_pil_images():
    gray = np.array([[0, 51, 255]], dtype=np.uint8)
    out = T.ToTensor()(Image.fromarray(gray))
    np.testing.assert_array_equal(out.numpy(), np.float32([[[0.0, 0.2, 1.0]]]))
    rgb = np.array([[[255, 0, 51]]], dtype=np.uint8)
    np.testing.assert_array_equal(T.ToTensor()(Image.fromarray(rgb)).numpy(), np.float32([[[1.0]], [[0.0]], [[0.2]]]))
    binary = Image.fromarray(np.array([[True, False]]))
    assert binary.mode == "1" and T.ToTensor()(binary).numpy().tolist() == [[[1.0, 0.0]]]
    floats = Image.fromarray(np.array([[2.5, -1.0]], dtype=np.float32))
    out = T.ToTensor()(floats)
    assert floats.mode == "F" and out.dtype == cr.float32 and out.numpy().tolist() == [[[2.5, -1.0]]]


def test_to_tensor_errors():
    with pytest.raises(ValueError, match=r"ToTensor: pic should be 2 or 3 dimensional .* got shape \(1, 1, 1, 1\)"):
        T.ToTensor()(np.zeros((1, 1, 1, 1), dtype=np.uint8))
    with pytest.raises(TypeError, match="ToTensor: pic should be a PIL Image or a NumPy array, got list"):
        T.ToTensor()([[1]])


def test_normalize_formula_per_channel():
    image = cr.tensor(np.float32([[[0.0, 0.5, 1.0]], [[0.0, 0.5, 1.0]]]))  # (2, 1, 3)
    out = T.Normalize((0.5, 0.0), (0.25, 2.0))(image)
    assert out.dtype == cr.float32
    assert out.numpy().tolist() == [[[-2.0, 0.0, 2.0]], [[0.0, 0.25, 0.5]]]
    assert image.numpy().tolist() == [[[0.0, 0.5, 1.0]], [[0.0, 0.5, 1.0]]]  # not in place
    mnist = T.Normalize((0.1307,), (0.3081,))(cr.tensor(np.float32([[[1.0]]])))
    assert mnist.numpy()[0, 0, 0] == (np.float32(1.0) - np.float32(0.1307)) / np.float32(0.3081)
    batch = T.Normalize([1.0], [2.0])(cr.tensor(np.ones((4, 1, 2, 2), dtype=np.float64)))
    assert batch.dtype == cr.float64 and batch.shape == (4, 1, 2, 2) and batch.numpy().max() == 0.0


def test_normalize_in_place_and_errors():
    image = cr.tensor(np.float32([[[3.0]]]))
    assert T.Normalize((1.0,), (2.0,), inplace=True)(image) is image and image.item() == 1.0
    with pytest.raises(TypeError, match="Normalize: input should be a float tensor, got uint8"):
        T.Normalize((0.5,), (0.5,))(cr.tensor(np.zeros((1, 2, 2), dtype=np.uint8)))
    with pytest.raises(ValueError, match=r"expected a tensor image of shape \(\.\.\., C, H, W\), got shape \(2, 2\)"):
        T.Normalize((0.5,), (0.5,))(cr.zeros(2, 2))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0.5,), (0.0,))(cr.zeros(1, 2, 2))
    with pytest.raises(ValueError, match=r"2 means and 2 stds for an image of 3 channels"):
        T.Normalize((0.5, 0.5), (1.0, 1.0))(cr.zeros(3, 2, 2))
    with pytest.raises(TypeError, match="Normalize: image should be a Tensor, got list"):
        T.Normalize((0.5,), (0.5,))([[[1.0]]])


def test_compose_applies_in_order_and_lambda():
    double, plus_one = T.Lambda(lambda x: 2 * x), T.Lambda(lambda x: x + 1)
    assert T.Compose([double, plus_one])(3) == 7 and T.Compose([plus_one, double])(3) == 8
    assert T.Compose([])(5) == 5
    with pytest.raises(TypeError, match="Lambda: argument lambd should be callable, got int"):
        T.Lambda(3)
    assert "ToTensor()" in repr(T.Compose([T.ToTensor()]))


def test_mnist_pipeline_end_to_end():
    pixels = np.array([[0, 255], [51, 102]], dtype=np.uint8)
    out = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])(Image.fromarray(pixels)).numpy()
    expected = (pixels.astype(np.float32)[None] / np.float32(255) - np.float32(0.1307)) / np.float32(0.3081)
    np.testing.assert_array_equal(out, expected)


def test_resize_pil_images():
    image = Image.fromarray(np.arange(20 * 30, dtype=np.uint32).reshape(20, 30).astype(np.uint8))  # 30 wide
    assert T.Resize(10)(image).size == (15, 10)  # the smaller edge (height) becomes 10
    assert T.Resize((4, 6))(image).size == (6, 4)  # (h, w)
    tall = Image.new("L", (20, 30))
    assert T.Resize(10)(tall).size == (10, 15)
    np.testing.assert_array_equal(np.asarray(T.Resize((4, 6))(image)),
                                  np.asarray(image.resize((6, 4), Image.Resampling.BILINEAR)))
    with pytest.raises(TypeError, match="Resize: chainrule resizes PIL images only, got Tensor"):
        T.Resize(2)(cr.zeros(1, 4, 4))
    with pytest.raises(ValueError, match="Resize: size must be"):
        T.Resize((1, 2, 3))


def test_pad_tensors_arrays_and_pil():
    image = cr.tensor(np.float32([[[1, 2], [3, 4]]]))
    out = T.Pad(1)(image)
    assert isinstance(out, cr.Tensor) and out.numpy().tolist() == [[[0, 0, 0, 0], [0, 1, 2, 0], [0, 3, 4, 0], [0, 0, 0, 0]]]
    assert T.Pad((1, 2))(image).shape == (1, 6, 4)  # left/right 1, top/bottom 2
    assert T.Pad((1, 0, 0, 0), fill=9)(image.numpy()).tolist() == [[[9, 1, 2], [9, 3, 4]]]
    assert T.Pad((1, 0, 0, 0), padding_mode="reflect")(image).numpy().tolist() == [[[2, 1, 2], [4, 3, 4]]]
    assert T.Pad((0, 0, 1, 0), padding_mode="edge")(image).numpy().tolist() == [[[1, 2, 2], [3, 4, 4]]]
    assert T.Pad((0, 0, 1, 0), padding_mode="symmetric")(image).numpy().tolist() == [[[1, 2, 2], [3, 4, 4]]]
    padded = T.Pad((0, 1, 0, 0), fill=7)(Image.fromarray(np.uint8([[1, 2]])))
    assert padded.mode == "L" and np.asarray(padded).tolist() == [[7, 7], [1, 2]]
    with pytest.raises(ValueError, match="Pad: padding must be"):
        T.Pad((1, 2, 3))
    with pytest.raises(ValueError, match="Pad: padding_mode must be one of constant, edge, reflect, symmetric"):
        T.Pad(1, padding_mode="wrap")


def test_center_crop():
    image = cr.tensor(np.arange(16, dtype=np.float32).reshape(1, 4, 4))
    assert T.CenterCrop(2)(image).numpy().tolist() == [[[5, 6], [9, 10]]]
    pil = Image.fromarray(np.arange(16, dtype=np.uint8).reshape(4, 4))
    assert np.asarray(T.CenterCrop((2, 4))(pil)).tolist() == [[4, 5, 6, 7], [8, 9, 10, 11]]
    with pytest.raises(ValueError, match=r"CenterCrop: crop size \(5, 5\) is larger than the image \(4, 4\)"):
        T.CenterCrop(5)(image)


def test_random_crop_takes_every_window_and_is_seeded():
    image = np.arange(9, dtype=np.float32).reshape(1, 3, 3)
    windows = {image[0, i:i + 2, j:j + 2].tobytes(): (i, j) for i in range(2) for j in range(2)}
    cr.manual_seed(0)
    seen = [windows[T.RandomCrop(2)(image)[0].tobytes()] for _ in range(40)]
    assert set(seen) == set(windows.values())
    cr.manual_seed(0)
    assert [windows[T.RandomCrop(2)(image)[0].tobytes()] for _ in range(40)] == seen
    padded = T.RandomCrop(5, padding=1)(cr.tensor(image))
    assert padded.shape == (1, 5, 5) and padded.numpy()[0, 0].tolist() == [0] * 5
    assert T.RandomCrop(28, padding=4)(Image.new("L", (28, 28))).size == (28, 28)
    assert T.RandomCrop(4, pad_if_needed=True)(image).shape == (1, 4, 4)
    with pytest.raises(ValueError, match=r"RandomCrop: crop size \(4, 4\) is larger than the image \(3, 3\)"):
        T.RandomCrop(4)(image)


def test_random_horizontal_flip():
    image = cr.tensor(np.float32([[[1, 2, 3]]]))
    assert T.RandomHorizontalFlip(p=1.0)(image).numpy().tolist() == [[[3, 2, 1]]]
    assert T.RandomHorizontalFlip(p=0.0)(image) is image
    pil = Image.fromarray(np.uint8([[1, 2, 3]]))
    assert np.asarray(T.RandomHorizontalFlip(p=1.0)(pil)).tolist() == [[3, 2, 1]]
    cr.manual_seed(1)
    flips = [T.RandomHorizontalFlip()(image).numpy()[0, 0, 0] == 3 for _ in range(400)]
    assert 150 < sum(flips) < 250
    with pytest.raises(TypeError, match="RandomHorizontalFlip: image should be a PIL Image, a NumPy array or a Tensor, got str"):
        T.RandomHorizontalFlip()("image")


def test_random_rotation_pil():
    image = Image.fromarray(np.uint8([[0, 0, 0], [0, 0, 9], [0, 0, 0]]))
    assert np.asarray(T.RandomRotation((90, 90))(image)).tolist() == [[0, 9, 0], [0, 0, 0], [0, 0, 0]]  # counter-clockwise
    cr.manual_seed(0)
    first = [np.asarray(T.RandomRotation(45)(image)).tolist() for _ in range(5)]
    cr.manual_seed(0)
    assert [np.asarray(T.RandomRotation(45)(image)).tolist() for _ in range(5)] == first
    with pytest.raises(ValueError, match="RandomRotation: if degrees is a single number, it must be non-negative"):
        T.RandomRotation(-5)
    with pytest.raises(TypeError, match="RandomRotation: chainrule applies it to PIL images only, got Tensor"):
        T.RandomRotation(5)(cr.zeros(1, 3, 3))


def test_grayscale_and_to_pil_image():
    rgb = Image.fromarray(np.uint8([[[255, 0, 0], [0, 0, 255]]]))
    gray = T.Grayscale()(rgb)
    assert gray.mode == "L" and np.asarray(gray).tolist() == np.asarray(rgb.convert("L")).tolist()
    three = T.Grayscale(3)(rgb)
    assert three.mode == "RGB" and (np.asarray(three)[..., 0] == np.asarray(gray)).all()
    out = T.ToPILImage()(cr.tensor(np.float32([[[0.0, 0.5, 1.0]]])))
    assert out.mode == "L" and np.asarray(out).tolist() == [[0, 127, 255]]  # 0.5 * 255 = 127.5, truncated
    color = T.ToPILImage()(cr.tensor(np.zeros((3, 2, 2), dtype=np.float32)))
    assert color.mode == "RGB" and color.size == (2, 2)
    back = T.ToTensor()(T.ToPILImage()(T.ToTensor()(np.uint8([[3, 200]]))))
    assert back.numpy().tolist() == T.ToTensor()(np.uint8([[3, 200]])).numpy().tolist()
    with pytest.raises(ValueError, match=r"ToPILImage: pic should be 2 or 3 dimensional, got shape \(1, 1, 1, 1\)"):
        T.ToPILImage()(cr.zeros(1, 1, 1, 1))
