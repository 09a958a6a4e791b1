"""A rank that stalls is reported, not waited for: ``watch(timeout)``.

Every blocking collective runs inside ``waiting(what)``; the moment one ends is this rank's
last sign of progress. A watchdog thread wakes every second: a rank outside any collective
that has not finished one for ``timeout`` seconds is the stalled one (the others wait for
it), so it says so and ends every rank; a rank that has waited inside a collective for
``timeout`` seconds plus a grace gives a stalled rank time to say so first, then reports
that it waited (the stalled rank may be stopped and unable to speak) and ends every rank.
"""
import contextlib
import threading
import time

GRACE_S = 5.0  # a waiting rank's extra patience, so that a live stalled rank reports itself first
POLL_S = 1.0


class _Progress:
    """When this rank last finished a collective, and which one it waits in (None: none)."""

    def __init__(self):
        self.finished = time.monotonic()
        self.waiting_in = None
        self.waiting_since = None


_progress = _Progress()


@contextlib.contextmanager
def waiting(what):
    """Mark a blocking collective (``what`` names it in a report)."""
    _progress.waiting_in, _progress.waiting_since = what, time.monotonic()
    try:
        yield
    finally:
        _progress.waiting_in = None
        _progress.finished = time.monotonic()


def stall_report(timeout, now=None, progress=_progress):
    """The report for this rank's state at ``now`` (None while it is within ``timeout``)."""
    now = time.monotonic() if now is None else now
    if progress.waiting_in is None:
        idle = now - progress.finished
        if idle > timeout:
            return (f"stalled: no collective with the other ranks finished for {idle:.0f} s (--timeout "
                    f"{timeout:g}), and this rank is not waiting in one: the others wait for it")
    else:
        waited = now - progress.waiting_since
        if waited > timeout + GRACE_S:
            return (f"waited {waited:.0f} s in {progress.waiting_in} for the other ranks (--timeout "
                    f"{timeout:g}): one of them stalled, or stopped without failing")
    return None


@contextlib.contextmanager
def watch(timeout):
    """Inside, a watchdog thread ends every rank (``abort``) once ``stall_report`` has one."""
    from .world import abort

    stop = threading.Event()

    def run():
        while not stop.wait(POLL_S):
            report = stall_report(timeout)
            if report is not None:
                abort(report)

    _progress.finished = time.monotonic()
    thread = threading.Thread(target=run, name="chainrule-stall-watchdog", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
