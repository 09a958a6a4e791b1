"""`chainrule train` in a real terminal (a pty of 160 columns): the progress bar and the lines
printed around it never share a line."""
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time

import pytest

pytest.importorskip("tqdm")

EPOCH_LINE = r"epoch [12]/2  train loss \d\.\d{4} acc \d+\.\d\d%  test loss \d\.\d{4} acc \d+\.\d\d%  lr 0\.1  \d+\.\d\d s"
CSI = re.compile(rb"\x1b\[(\d*)([A-Za-z])")


def run_in_terminal(args, env, columns=160, rows=40, timeout=120):
    """Run ``python -m chainrule ARGS`` with stdout and stderr on a pty; return (status, raw bytes)."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "chainrule", *args], stdin=subprocess.DEVNULL,
                               stdout=terminal, stderr=terminal, env=env, close_fds=True)
    os.close(terminal)
    output, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
    os.close(controller)
    try:
        return process.wait(timeout=max(1, deadline - time.monotonic())), output
    finally:
        process.kill()


def screen_lines(raw):
    """The lines a terminal shows after ``raw``: carriage returns overwrite, ESC[nA moves up,
    ESC[K erases to the end of the line; any other escape sequence fails the test."""
    lines, row, column, position = [[]], 0, 0, 0
    while position < len(raw):
        byte = raw[position:position + 1]
        if byte == b"\x1b":
            match = CSI.match(raw, position)
            assert match, f"unknown escape sequence {raw[position:position + 8]!r}"
            count, command = int(match[1] or 1), match[2]
            if command == b"A":
                row = max(0, row - count)
            elif command == b"K":
                del lines[row][column:]
            else:
                raise AssertionError(f"unexpected escape sequence {match[0]!r}")
            position = match.end()
            continue
        if byte == b"\r":
            column = 0
        elif byte == b"\n":
            row += 1
            if row == len(lines):
                lines.append([])
        else:
            line = lines[row]
            character = raw[position:position + 4].decode("utf-8", errors="ignore")[:1] or "?"
            line.extend(" " * (column - len(line)))
            line[column:column + 1] = [character]
            column += 1
            position += len(character.encode("utf-8")) - 1
        position += 1
    return ["".join(line).rstrip() for line in lines if "".join(line).strip()]


def test_epoch_lines_never_share_a_line_with_the_progress_bar(subprocess_env, tmp_path):
    status, raw = run_in_terminal(["train", "--epochs", "2", "--out", str(tmp_path / "run")],
                                  subprocess_env)
    assert status == 0, raw.decode(errors="replace")
    assert b"img/s" in raw  # the bar was drawn
    recipe, *lines = screen_lines(raw)
    assert recipe.startswith("recipe of mlp on digits: "), recipe
    assert len(lines) == 3, lines  # the bars were erased: only the printed lines are left
    assert re.fullmatch(EPOCH_LINE.replace("[12]", "1"), lines[0]), lines
    assert re.fullmatch(EPOCH_LINE.replace("[12]", "2"), lines[1]), lines
    assert lines[2].startswith("test accuracy "), lines


def test_an_error_in_the_middle_of_an_epoch_starts_its_own_line(subprocess_env, tmp_path):
    status, raw = run_in_terminal(["train", "--lr", "1e38", "--out", str(tmp_path / "run")],
                                  subprocess_env)
    assert status == 1
    assert b"img/s" in raw
    lines = screen_lines(raw)[1:]  # after the recipe's line
    assert lines[0].startswith("Error: training stopped: the loss became nan at epoch 1"), lines
