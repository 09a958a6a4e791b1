"""Stopping a run cleanly on Ctrl-C (SIGINT) or SIGTERM.

The first signal lets the optimizer step in progress finish; then the ``last`` checkpoint is
saved at that step (atomically, as every save) and ``TrainingInterrupted`` ends the run, so
``--resume`` continues exactly there. A second signal stops at once (``KeyboardInterrupt``):
the checkpoint on disk is then the one before, intact, as after a kill.
"""
import signal
import threading

from .callbacks import Callback

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class TrainingInterrupted(Exception):
    """A run stopped by a signal; ``signal_number`` is the signal, the message says what was
    saved and how to continue."""

    def __init__(self, message, signal_number, saved=True):
        super().__init__(message)
        self.signal_number = signal_number
        self.saved = saved  # False: stopped at once by a second signal, mid-step


class StopOnSignal(Callback):
    """While in its ``with`` block, SIGINT and SIGTERM stop ``fit`` at the next step end
    (after ``save_last(run)``) or epoch end (the ``Checkpointer`` before it has saved then),
    raising ``Stopped``. Outside the main thread (where handlers cannot be set) it does nothing.

    ``agree(pending)`` turns the signal this process received (or None) into the one all stop
    for: itself in one process; on several, any rank's, so every rank stops at the same step.
    ``wait()`` runs before ``Stopped`` is raised (on several ranks: until the checkpoint is saved)."""

    class Stopped(Exception):
        """Raised out of ``fit``: ``signal_number``, ``state`` (the saved ``TrainState``)."""

        def __init__(self, signal_number, state):
            super().__init__(signal.Signals(signal_number).name)
            self.signal_number, self.state = signal_number, state

    def __init__(self, save_last, agree=lambda pending: pending, wait=lambda: None):
        self.save_last, self.agree, self.wait = save_last, agree, wait
        self.pending = None  # what this process's handler received
        self.received = None  # what every process stops for
        self._previous = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = {number: signal.signal(number, self._handle) for number in SIGNALS}
        return self

    def __exit__(self, *exc_info):
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous = {}

    def _handle(self, signal_number, frame):
        if self.pending is not None:
            raise KeyboardInterrupt  # the second signal: stop now
        self.pending = signal_number

    def _agreed(self):
        self.received = self.agree(self.pending)
        return self.received

    def on_step_end(self, run):
        if self._agreed() is not None:
            self.save_last(run)
            self.wait()
            raise self.Stopped(self.received, run.state)

    def on_epoch_end(self, run, record):
        if self._agreed() is not None and run.state.epoch < run.epochs:  # else: done anyway
            self.wait()
            raise self.Stopped(self.received, run.state)
