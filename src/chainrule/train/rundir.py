"""The run directory: where a training run keeps its config, metrics, plot and checkpoints.

    RUN/config.json         resolved config and environment (versions, thread counts)
    RUN/metrics.jsonl       one JSON object per epoch
    RUN/curves.png          loss and accuracy curves
    RUN/diagnostics.png     per-layer gradient statistics (with --diagnostics)
    RUN/checkpoints/last/   newest checkpoint (resume from it)
    RUN/checkpoints/best/   checkpoint of the epoch with the best test accuracy
"""
import contextlib
import datetime
import json
import os
import platform
import sys

try:
    import fcntl
except ImportError:  # Windows: runs are not locked there
    fcntl = None

import numpy as np

from ..io import atomic_write_text, open_regular
from ..settings import num_threads

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"
PLOT_FILE = "curves.png"
DIAGNOSTICS_PLOT_FILE = "diagnostics.png"
CHECKPOINTS_DIR = "checkpoints"
LOCK_FILE = ".lock"  # held (flock) by the one process writing the run
MAX_CONFIG_BYTES = 1 << 20  # a run's config.json is under a kilobyte


class RunDirError(ValueError):
    """A run directory that cannot be used; the message says why."""


def create_run_dir(out=None, root="runs"):
    """Make the directory of a new run: ``out``, or ``root/YYYYmmdd-HHMMSS`` (made unique).

    An ``out`` that already holds a run is refused (resume it instead).
    """
    if out is None:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        out, suffix = os.path.join(root, stamp), 1
        while os.path.exists(out):
            suffix += 1
            out = os.path.join(root, f"{stamp}-{suffix}")
    if os.path.exists(os.path.join(out, CONFIG_FILE)):
        raise RunDirError(
            f"{out} already holds a run; continue it with --resume {out} or choose another --out")
    if os.path.exists(out) and not os.path.isdir(out):
        raise RunDirError(f"--out {out}: exists and is not a directory")
    try:
        os.makedirs(checkpoints_dir(out), exist_ok=True)
    except OSError as exc:
        raise RunDirError(f"cannot create the run directory {out}: {exc.strerror}") from None
    return out


def checkpoints_dir(run_dir):
    """``RUN/checkpoints``, refused when it is a symbolic link: checkpoints are replaced and
    deleted there, so a link in a run folder from elsewhere would make a run delete the files
    of the folder it points to."""
    path = os.path.join(run_dir, CHECKPOINTS_DIR)
    if os.path.islink(path):
        raise RunDirError(f"{path} is a symbolic link (to {os.readlink(path)}); a run writes only in "
                          "its own folder: replace the link with a copy of that folder")
    return path


@contextlib.contextmanager
def writer_lock(run_dir):
    """Be the only process writing ``run_dir`` while the block runs: an exclusive ``flock`` on
    ``RUN/.lock`` (released by the OS when the process ends, however it ends); a second
    process gets a ``RunDirError`` naming the first one's pid instead of corrupting the run."""
    if fcntl is None:
        yield
        return
    path = os.path.join(run_dir, LOCK_FILE)
    if os.path.islink(path):  # never followed: the file it names would be truncated
        os.remove(path)
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise RunDirError(f"{run_dir}: cannot write in it ({exc.strerror})") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(descriptor, 32).decode(errors="replace").strip() or "unknown"
            raise RunDirError(f"{run_dir} is being trained by another process (pid {holder}); "
                              "wait for it to end (or stop it), then --resume it") from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, str(os.getpid()).encode())
        yield
    finally:
        os.close(descriptor)


def write_config(run_dir, config):
    """Write ``config.json``: the resolved options and the environment that ran them."""
    document = {"config": config.to_dict(), "environment": environment()}
    atomic_write_text(os.path.join(run_dir, CONFIG_FILE), json.dumps(document, indent=2) + "\n")


def read_config(run_dir):
    """The ``config`` mapping of a run's ``config.json``."""
    path = os.path.join(run_dir, CONFIG_FILE)
    try:  # a named pipe, a device or a deep nesting in a run folder from elsewhere: one error
        with open_regular(path, "r", encoding="utf-8") as file:
            size = os.fstat(file.fileno()).st_size
            document = None if size > MAX_CONFIG_BYTES else json.load(file)
    except FileNotFoundError:
        raise RunDirError(f"{run_dir} is not a run directory (no {CONFIG_FILE})") from None
    except OSError as exc:
        raise RunDirError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except (ValueError, RecursionError) as exc:
        raise RunDirError(f"{path}: cannot read it ({exc})") from None
    if size > MAX_CONFIG_BYTES:
        raise RunDirError(f"{path}: it is {size} bytes, more than the {MAX_CONFIG_BYTES} a run's "
                          f"{CONFIG_FILE} can be")
    if not isinstance(document, dict) or not isinstance(document.get("config"), dict):
        raise RunDirError(f"{path}: no 'config' object")
    return document["config"]


def environment():
    """Versions and thread counts that decide whether two runs can match bit for bit."""
    from .. import __version__

    return {
        "chainrule": __version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "blas_threads": blas_threads(),
        "thread_env": {name: os.environ[name] for name in _THREAD_VARIABLES if name in os.environ},
    }


_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def limit_threads(threads):
    """Within the block NumPy's BLAS uses ``threads`` threads and ``get_num_threads()`` says
    so (0: leave both at their defaults)."""
    if not threads:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        raise ImportError("--threads needs threadpoolctl, part of the cli extra: "
                          "pip install 'chainrule[cli]' (or use --threads 0)") from None
    with threadpool_limits(limits=threads, user_api="blas"), num_threads(threads):
        yield


def blas_threads():
    """Threads NumPy's BLAS uses (None when threadpoolctl, from the cli extra, is missing)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    counts = [info["num_threads"] for info in threadpool_info() if info.get("user_api") == "blas"]
    return max(counts) if counts else None
