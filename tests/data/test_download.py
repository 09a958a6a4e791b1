"""Downloads from a local HTTP server on 127.0.0.1 and from file:// URLs (no network needed)."""
import functools
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from chainrule.data import MNIST, DataError, download_url


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def serve_directory():
    """``serve_directory(path)`` -> base URL of an HTTP server on 127.0.0.1, stopped after the
    test (and by a 60 s watchdog in any case)."""
    running = []

    def serve(directory):
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(directory)))
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        watchdog = threading.Timer(60, server.shutdown)
        watchdog.daemon = True
        thread.start()
        watchdog.start()
        running.append((server, thread, watchdog))
        return f"http://127.0.0.1:{server.server_port}/"

    yield serve
    for server, thread, watchdog in running:
        watchdog.cancel()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def leftovers(root):
    return sorted(path.name for path in root.iterdir()) if root.exists() else []


def test_download_over_http_with_a_failing_first_mirror(fake_mnist_test_split, serve_directory, monkeypatch, tmp_path):
    directory, raw_sha256, _ = fake_mnist_test_split
    url = serve_directory(directory)
    monkeypatch.setattr(MNIST, "raw_sha256", raw_sha256)
    monkeypatch.setattr(MNIST, "mirrors", (f"{url}missing/", url))  # the first answers 404
    root = tmp_path / "root"
    dataset = MNIST(root, train=False, download=True)
    assert len(dataset) == 10000 and dataset.targets[:12].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    assert leftovers(root) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    monkeypatch.setattr(MNIST, "mirrors", ("http://127.0.0.1:1/",))  # nothing listens: no download needed
    np.testing.assert_array_equal(MNIST(root, train=False, download=True).targets, dataset.targets)


def test_download_with_a_bad_checksum_leaves_nothing(fake_mnist_test_split, serve_directory, monkeypatch, tmp_path):
    directory, raw_sha256, _ = fake_mnist_test_split
    url = serve_directory(directory)
    monkeypatch.setattr(MNIST, "raw_sha256", {name: "0" * 64 for name in raw_sha256})
    monkeypatch.setattr(MNIST, "mirrors", (url, directory.as_uri() + "/"))
    root = tmp_path / "root"
    with pytest.raises(DataError) as info:
        MNIST(root, train=False, download=True)
    message = str(info.value)
    assert message.startswith("could not download t10k-images-idx3-ubyte.gz (")
    assert f"{url}t10k-images-idx3-ubyte.gz: " in message and "file://" in message
    assert message.count("SHA-256 of the decompressed content is") == 2
    assert f"put the file in {root} yourself" in message
    assert leftovers(root) == []  # no partial or unverified file, no temporary file


def test_real_mnist_through_a_file_url(mnist_dir, monkeypatch, tmp_path):
    monkeypatch.setattr(MNIST, "mirrors", (mnist_dir.as_uri() + "/",))
    dataset = MNIST(tmp_path, train=False, download=True)  # verified against the real sums
    assert dataset.targets[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert (tmp_path / "t10k-images-idx3-ubyte.gz").read_bytes() == (mnist_dir / "t10k-images-idx3-ubyte.gz").read_bytes()


def test_download_url_limits_and_verification(tmp_path, monkeypatch):
    source = tmp_path / "source.bin"
    source.write_bytes(b"x" * 5000)
    destination = tmp_path / "out" / "file.bin"
    destination.parent.mkdir()
    with pytest.raises(DataError, match=r"unsupported URL scheme \(use one of http, https, file\)"):
        download_url("ftp://example.org/file.bin", destination)
    with pytest.raises(DataError, match=r"file of 5000 bytes exceeds the limit of 100 bytes"):
        download_url(source.as_uri(), destination, max_bytes=100)

    def reject(path):
        assert open(path, "rb").read() == b"x" * 5000  # the whole file is there to verify
        raise DataError("rejected")

    with pytest.raises(DataError, match="rejected"):
        download_url(source.as_uri(), destination, verify=reject)
    assert leftovers(destination.parent) == []
    monkeypatch.setitem(sys.modules, "tqdm", None)  # no tqdm: no progress bar, same download
    download_url(source.as_uri(), destination)
    assert destination.read_bytes() == b"x" * 5000
    assert leftovers(destination.parent) == ["file.bin"]
