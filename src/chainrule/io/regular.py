"""``open_regular``: open a file for reading only when it is a regular file.

A named pipe (or a link to one) in a hostile run folder would block ``open`` until a writer
comes, that is forever, and a device can stream without end. The file is opened without
blocking, checked with ``fstat`` (so a link is judged by what it points to), and only then
handed over for reading."""
import errno
import os
import stat

_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def open_regular(path, mode="rb", encoding=None):
    """``open(path, mode)`` for reading, refused unless ``path`` is a regular file: a
    directory raises ``IsADirectoryError``, anything else not regular an ``OSError`` whose
    ``strerror`` says what it is ("not a regular file but a named pipe")."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        kind = os.fstat(fd).st_mode
        if stat.S_ISDIR(kind):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(kind):
            what = next((name for test, name in _KINDS if test(kind)), "a special file")
            raise OSError(errno.EINVAL, f"not a regular file but {what}", str(path))
        os.set_blocking(fd, True)
        return os.fdopen(fd, mode, encoding=encoding)
    except BaseException:
        os.close(fd)
        raise
