"""Checkpoint slots: directories (``last``, ``best``) replaced as a whole, crash-safely.

A slot holds several files, and a checkpoint must never mix files of two saves. A new
checkpoint is written to ``.NAME.new``; its marker file, written last, says it is complete.
Then ``NAME`` is renamed to ``.NAME.old``, ``.NAME.new`` to ``NAME``, and ``.NAME.old`` is
deleted. A process killed at any moment leaves one complete checkpoint that ``recover_slot``
finds: ``NAME`` if complete, else ``.NAME.new`` if complete (killed between the renames),
else ``.NAME.old``.
"""
import os
import shutil

from ..io import fsync_directory


def write_slot(parent, name, marker, write_files):
    """Replace the slot ``parent/name``: ``write_files(directory)`` writes the new files into
    an empty directory and must write the file ``marker`` last (atomically)."""
    recover_slot(parent, name, marker)
    path, new, old = _paths(parent, name)
    _remove(new)
    try:
        os.makedirs(new)
        write_files(new)
    except OSError:  # a full or read-only disk: the slot as it was, no half-written copy taking space
        _remove(new)
        raise
    if not os.path.isfile(os.path.join(new, marker)):
        raise RuntimeError(f"write_slot: the writer did not write {marker}")
    fsync_directory(new)
    if os.path.exists(path):
        os.replace(path, old)
    os.replace(new, path)
    fsync_directory(parent)
    _remove(old)


def find_slot(parent, name, marker):
    """The directory holding the slot's complete checkpoint, or None; changes nothing."""
    for candidate in _paths(parent, name):
        if _complete(candidate, marker):
            return candidate
    return None


def recover_slot(parent, name, marker):
    """Finish or undo an interrupted ``write_slot``, leaving only ``parent/name``; return
    its path, or None if no complete checkpoint exists."""
    path, new, old = _paths(parent, name)
    found = find_slot(parent, name, marker)
    if found not in (None, path):
        _remove(path)
        os.replace(found, path)
        fsync_directory(parent)
    for leftover in (new, old):
        _remove(leftover)
    return path if found is not None else None


def _remove(path):
    """Delete a slot directory, or the link or file standing in its place (a link is removed,
    never followed: what it points to is not the run's to delete)."""
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _paths(parent, name):
    return (os.path.join(parent, name), os.path.join(parent, f".{name}.new"),
            os.path.join(parent, f".{name}.old"))


def _complete(directory, marker):
    return os.path.isfile(os.path.join(directory, marker))
