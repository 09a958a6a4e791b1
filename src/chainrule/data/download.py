"""Where downloaded data lives, and an atomic, size-capped download with a progress bar."""
import os
import sys
import urllib.parse
from pathlib import Path

from ..io.atomic import atomic_write
from .errors import DataError

MAX_DOWNLOAD_BYTES = 1 << 28  # 256 MiB: far above any file chainrule fetches
_CHUNK = 1 << 16
_SCHEMES = ("http", "https", "file")


def cache_dir():
    """chainrule's cache: ``$CHAINRULE_HOME``, else ``$XDG_CACHE_HOME/chainrule``, else
    ``~/.cache/chainrule``. Data sets go to ``cache_dir() / "datasets" / NAME``."""
    home = os.environ.get("CHAINRULE_HOME")
    if home:
        return Path(home).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "chainrule"


def _progress_bar(total, name):
    """A tqdm bar (only on a terminal), or None when tqdm is not installed."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=name, unit="B", unit_scale=True, disable=None, file=sys.stderr)


def _copy(response, out, url, max_bytes, bar):
    copied = 0
    while chunk := response.read(_CHUNK):
        copied += len(chunk)
        if copied > max_bytes:
            raise DataError(f"{url}: download exceeds the limit of {max_bytes} bytes")
        out.write(chunk)
        if bar is not None:
            bar.update(len(chunk))
    return copied


def download_url(url, destination, verify=None, max_bytes=MAX_DOWNLOAD_BYTES, timeout=30):
    """Download ``url`` (http, https or file) to ``destination`` atomically.

    The bytes go to a temporary file beside ``destination`` (``chainrule.io.atomic_write``);
    ``verify(temp_path)`` (which raises ``DataError`` on a bad file) runs on it; only then is
    it renamed into place, so ``destination`` is never a partial or unverified file. Network errors propagate as
    ``OSError`` (``urllib.error.URLError``); size problems raise ``DataError``.
    """
    import urllib.request  # here: it costs import chainrule (which loads chainrule.data) a tenth of a second

    if urllib.parse.urlsplit(url).scheme not in _SCHEMES:
        raise DataError(f"{url}: unsupported URL scheme (use one of {', '.join(_SCHEMES)})")
    destination = Path(destination)

    def write(out):
        with urllib.request.urlopen(url, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            expected = int(length) if length and length.isdigit() else None
            if expected is not None and expected > max_bytes:
                raise DataError(f"{url}: file of {expected} bytes exceeds the limit of {max_bytes} bytes")
            bar = _progress_bar(expected, destination.name)
            try:
                copied = _copy(response, out, url, max_bytes, bar)
            finally:
                if bar is not None:
                    bar.close()
            if expected is not None and copied != expected:
                raise DataError(f"{url}: truncated download: got {copied} of {expected} bytes")

    atomic_write(destination, write, check=verify)
