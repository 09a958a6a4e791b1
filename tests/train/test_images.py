"""Image input of ``predict`` (src/chainrule/train/images.py): values, and every bad file
(corrupt, truncated, oversized, pickled, wrong dtype or shape) as one clear ImageError (a
DataError), also through the ``chainrule predict`` command line."""
import io
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainrule.cli import build_cli
from chainrule.data import DataError
from chainrule.train.images import MAX_SIDE, ImageError, load_image

PIL_Image = pytest.importorskip("PIL.Image")
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
DIGIT = (np.arange(64).reshape(8, 8) * 4).astype(np.uint8)  # dark top-left to light bottom-right
NOISE = np.random.default_rng(0).integers(0, 256, (32, 32), dtype=np.uint8)  # compresses badly


def picture_bytes(array, image_format):
    buffer = io.BytesIO()
    PIL_Image.fromarray(array).save(buffer, image_format)
    return buffer.getvalue()


def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def npy_header_only(shape, descr="<f4", data=b""):
    """A .npy file whose header claims ``shape`` and ``descr``, followed by ``data``."""
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (63 - len(header) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + data


def png_header_only(width, height):
    """A PNG claiming ``width`` x ``height`` grayscale pixels with a few bytes of data."""
    def chunk(kind, content):
        return struct.pack(">I", len(content)) + kind + content + struct.pack(">I", zlib.crc32(kind + content))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


class OpensAFile:
    """Unpickling it creates the file ``marker``: a stand-in for code run by a hostile pickle."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, "w")


GOOD_FILES = [
    ("digit.png", picture_bytes(DIGIT, "PNG")),
    ("digit.bmp", picture_bytes(DIGIT, "BMP")),
    ("digit.gif", picture_bytes(DIGIT, "GIF")),
    ("digit.npy", npy_bytes(DIGIT)),
    ("digit_hw1.npy", npy_bytes(DIGIT[:, :, None])),
    ("digit_1hw.npy", npy_bytes(DIGIT[None].astype(">i2"))),
    ("digit_unit.npy", npy_bytes(DIGIT / np.float64(255))),
]


@pytest.mark.parametrize("name, data", GOOD_FILES, ids=[name for name, _ in GOOD_FILES])
def test_lossless_images_load_exactly(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    image = load_image(tmp_path / name, (8, 8), invert=False)
    assert image.dtype == np.float32 and image.shape == (1, 8, 8)
    np.testing.assert_allclose(image[0], DIGIT / 255, rtol=1e-6)


def test_jpeg_resize_and_automatic_inversion(tmp_path):
    paper = np.full((32, 32), 250, np.uint8)
    paper[4:28, 12:20] = 10  # a dark stroke on light paper: inverted to light on dark
    (tmp_path / "one.jpg").write_bytes(picture_bytes(paper, "JPEG"))
    image = load_image(tmp_path / "one.jpg", (8, 8))
    assert image.shape == (1, 8, 8) and image[0, 0, 0] < 0.05 and image[0, 4, 3:5].min() > 0.7
    assert load_image(tmp_path / "one.jpg", (8, 8), invert=False)[0, 0, 0] > 0.95


def test_a_16_bit_png_is_scaled_by_its_depth(tmp_path):
    deep = (DIGIT.astype(np.uint16) * 257)  # 0..65535, the same shades as DIGIT
    (tmp_path / "deep.png").write_bytes(picture_bytes(deep, "PNG"))
    with PIL_Image.open(tmp_path / "deep.png") as image:
        assert image.mode in ("I", "I;16")  # a 16-bit PNG, read back as one
    np.testing.assert_allclose(load_image(tmp_path / "deep.png", (8, 8), invert=False)[0], DIGIT / 255, rtol=1e-6)


@pytest.mark.parametrize("ink", [0, 255])
def test_a_digit_drawn_only_in_alpha_is_seen(tmp_path, ink):
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., :3] = ink  # every pixel the same colour: only the alpha channel draws the digit
    rgba[..., 3] = DIGIT
    (tmp_path / "alpha.png").write_bytes(picture_bytes(rgba, "PNG"))
    image = load_image(tmp_path / "alpha.png", (8, 8))  # light digit on dark, whatever the ink
    np.testing.assert_allclose(image[0], DIGIT / 255, atol=1e-6)


BAD_FILES = [
    ("empty.png", b"", "not a readable image (not recognised as PNG, JPEG, BMP or GIF)"),
    ("notes.png", b"just text", "not recognised as PNG"),
    ("cut.png", picture_bytes(NOISE, "PNG")[:500], "not a readable image (OSError: image file is truncated"),
    ("cut.jpg", picture_bytes(NOISE, "JPEG")[:500], "not a readable image (OSError:"),
    ("vector.eps", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 8 8\n", "not recognised as PNG"),
    ("wide.png", png_header_only(MAX_SIDE + 1, 1), f"image of {MAX_SIDE + 1}x1 pixels is too large"),
    ("square.png", png_header_only(4097, 4097), "image of 4097x4097 pixels is too large"),
    ("bomb.png", png_header_only(10 ** 5, 10 ** 5), "image too large (Image size (10000000000 pixels)"),
    ("warned.png", png_header_only(10 ** 4, 9000), "image too large"),
    ("huge.npy", npy_header_only((10 ** 6, 10 ** 6)), "image of 1000000x1000000 pixels is too large"),
    ("tall.npy", npy_header_only((MAX_SIDE + 1, 1)), "is too large"),
    ("empty.npy", npy_bytes(np.zeros((0, 8))), "expected a grayscale image array"),
    ("negative.npy", npy_header_only((-1, 8)), "got shape (-1, 8)"),
    ("rgb.npy", npy_bytes(np.zeros((8, 8, 3))), "got shape (8, 8, 3)"),
    ("flat.npy", npy_bytes(np.zeros(64)), "got shape (64,)"),
    ("complex.npy", npy_bytes(np.zeros((8, 8), complex)), "got dtype complex128"),
    ("bool.npy", npy_bytes(np.zeros((8, 8), bool)), "got dtype bool"),
    ("record.npy", npy_header_only((8, 8), [("r", "<f4")]), "got dtype [('r', '<f4')]"),
    ("text.npy", npy_bytes(np.array([["a"]])), "got dtype <U1"),
    ("object.npy", npy_header_only((8, 8), "|O", b"\x80\x04N."), "got dtype object"),
    # NumPy's own wording after the colon differs: 2.x "Failed to read all data", 1.26 "cannot reshape"
    ("cut.npy", npy_bytes(DIGIT)[:-10], "not a readable .npy array (ValueError: "),
    ("archive.npy", b"PK\x03\x04" + bytes(60), "not a readable .npy array (ValueError: the magic string"),
    ("future.npy", b"\x93NUMPY\x09\x00" + bytes(60), "not a readable .npy array"),
    ("nan.npy", npy_bytes(np.full((8, 8), np.nan)), "pixel values must be finite"),
    ("bright.npy", npy_bytes(np.full((8, 8), 256.0)), "in [0, 1] or 0..255"),
    ("dark.npy", npy_bytes(np.full((8, 8), -1, np.int8)), "in [0, 1] or 0..255"),
]


@pytest.mark.parametrize("name, data, message", BAD_FILES, ids=[name for name, *_ in BAD_FILES])
def test_bad_files_raise_one_clear_error(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DataError) as info:  # like every bad data file
        load_image(path, (8, 8))
    assert isinstance(info.value, ImageError) and isinstance(info.value, ValueError)
    assert str(info.value).startswith(f"{path}: ") and message in str(info.value)


def test_missing_files_and_directories(tmp_path):
    with pytest.raises(ImageError, match="missing.png: no such file"):
        load_image(tmp_path / "missing.png", (8, 8))
    with pytest.raises(ImageError, match="missing.npy: no such file"):
        load_image(tmp_path / "missing.npy", (8, 8))
    (tmp_path / "folder.npy").mkdir()
    with pytest.raises(ImageError, match="is a directory"):
        load_image(tmp_path / "folder.npy", (8, 8))


def test_a_pickle_in_an_npy_file_is_never_run(tmp_path):
    marker = tmp_path / "marker"
    with open(tmp_path / "armed.npy", "wb") as file:
        np.save(file, np.array([OpensAFile(marker)], dtype=object), allow_pickle=True)
    with pytest.raises(ImageError, match="got dtype object"):
        load_image(tmp_path / "armed.npy", (8, 8))
    assert not marker.exists()
    np.load(tmp_path / "armed.npy", allow_pickle=True)  # control: unpickling it does run it
    assert marker.exists()


SEEDS = [("png", picture_bytes(DIGIT, "PNG")), ("jpg", picture_bytes(DIGIT, "JPEG")),
         ("gif", picture_bytes(DIGIT, "GIF")), ("npy", npy_bytes(DIGIT)),
         ("npy", npy_bytes(DIGIT.astype(np.float32) / 255))]


@FUZZ
@given(st.sampled_from(SEEDS), st.data())
def test_mutated_images_load_or_raise_image_error(tmp_path, seed, data):
    suffix, original = seed
    mutated = bytearray(original)
    for _ in range(data.draw(st.integers(0, 4))):
        mutated[data.draw(st.integers(0, len(mutated) - 1))] = data.draw(st.integers(0, 255))
    mutated = mutated[:data.draw(st.integers(0, len(mutated)))] + data.draw(st.binary(max_size=8))
    path = tmp_path / f"fuzzed.{suffix}"
    path.write_bytes(bytes(mutated))
    try:
        image = load_image(path, (8, 8))
    except ImageError as exc:
        assert str(exc).startswith(f"{path}: ")
        return
    assert image.dtype == np.float32 and image.shape == (1, 8, 8)
    assert np.isfinite(image).all() and image.min() >= 0 and image.max() <= 1


@FUZZ
@given(st.sampled_from(["png", "jpg", "npy"]), st.binary(max_size=200))
def test_random_bytes_raise_image_error(tmp_path, suffix, data):
    path = tmp_path / f"random.{suffix}"
    path.write_bytes(data)
    with pytest.raises(ImageError):
        load_image(path, (8, 8))


@pytest.mark.parametrize("name, data, message", BAD_FILES, ids=[name for name, *_ in BAD_FILES])
def test_predict_reports_a_bad_image_as_an_error_message(small_run, tmp_path, name, data, message):
    (tmp_path / name).write_bytes(data)
    (tmp_path / "good.png").write_bytes(picture_bytes(DIGIT, "PNG"))
    runner = pytest.importorskip("click.testing").CliRunner()
    result = runner.invoke(build_cli(), ["predict", small_run.run_dir, str(tmp_path / "good.png"),
                                         str(tmp_path / name)], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / name}: {result.output.split(': ', 2)[2]}"
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("name, data", [
    ("warned.png", png_header_only(10 ** 4, 9000)),  # Pillow warns before refusing
    ("object.npy", npy_header_only((8, 8), "|O", b"\x80\x04N.")),
], ids=["warned.png", "object.npy"])
def test_predict_in_its_own_process_prints_one_error_line(small_run, subprocess_env, tmp_path, name, data):
    """The real command: exit status 1 and ``Error: <file>: ...`` on stderr, nothing else
    (no traceback, no warning), nothing on stdout."""
    (tmp_path / name).write_bytes(data)
    (tmp_path / "good.png").write_bytes(picture_bytes(DIGIT, "PNG"))
    result = subprocess.run(
        [sys.executable, "-m", "chainrule", "predict", small_run.run_dir, "good.png", name],
        capture_output=True, text=True, timeout=120, env=subprocess_env, cwd=tmp_path,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {name}: ") and result.stderr.count("\n") == 1, result.stderr
