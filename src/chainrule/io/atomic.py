"""Atomic file replacement: a reader (or a restarted process) sees the old file or the new
one, never a torn mix, even when the writer is killed with SIGKILL or the power fails."""
import contextlib
import errno
import os
import stat
import tempfile


def _default_mode():
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_NEW_FILE_MODE = _default_mode()  # what open() would give a new file
# errors of the disk being written (full, read-only, no permission), not of what is copied to it
STORAGE_ERRNOS = frozenset(filter(None, (errno.ENOSPC, getattr(errno, "EDQUOT", None), errno.EROFS,
                                         errno.EACCES, errno.EPERM, errno.EIO, errno.EFBIG)))


def naming(exc, path):
    """``exc``, or for a disk error (``STORAGE_ERRNOS``) naming no file or a temporary one,
    the same error naming ``path`` (what the user asked to write)."""
    if exc.errno in STORAGE_ERRNOS and (exc.filename is None or exc.filename != path):
        return type(exc)(exc.errno, exc.strerror, path)
    return exc


def atomic_write(path, write, check=None):
    """Replace the file ``path`` with what ``write(file)`` writes to a binary file object.

    The bytes go to a temporary file in the same directory (``.NAME.XXXX.tmp``), which is
    flushed and fsynced before ``os.replace`` moves it over ``path``; the directory is then
    fsynced so the rename itself is durable. ``check(temporary_path)``, if given, runs on the
    complete temporary file just before the rename (to verify a download, say). If ``write``
    or ``check`` raises, ``path`` is untouched and the temporary file is removed; if the
    process is killed, ``path`` still holds the previous content (a stray temporary file may
    remain). An existing file keeps its permissions. When the temporary file cannot be
    created (no such directory, no permission) or the disk refuses the bytes (full,
    read-only), the ``OSError`` names ``path``.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = _NEW_FILE_MODE
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    except OSError as exc:  # name the user's file, not the hidden temporary one
        raise type(exc)(exc.errno, exc.strerror, path) from None
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        if check is not None:
            check(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        renamed = naming(exc, path) if isinstance(exc, OSError) else exc
        if renamed is not exc:
            raise renamed from None
        raise
    fsync_directory(directory)


def atomic_write_bytes(path, data):
    """Atomically replace ``path`` with ``data`` (bytes or any buffer)."""
    atomic_write(path, lambda file: file.write(data))


def atomic_write_text(path, text, encoding="utf-8"):
    """Atomically replace ``path`` with ``text`` (written as-is, no newline translation)."""
    atomic_write_bytes(path, text.encode(encoding))


def fsync_directory(directory):
    """Make renames and new entries in ``directory`` durable (fsync the directory itself).

    ``os.replace`` is atomic but lives in the page cache until the directory is synced; call
    this after renaming into ``directory`` when the rename must survive a power failure.
    A no-op on Windows and on filesystems that refuse to sync directories.
    """
    if os.name != "posix":
        return  # directories cannot be opened on Windows; NTFS journals the rename
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on directories; the rename has happened
    finally:
        os.close(fd)
