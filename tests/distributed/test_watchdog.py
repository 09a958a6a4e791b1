"""The stall watchdog's reports (the MPI runs that trigger them: tests/distributed/test_mpi.py)."""
from chainrule.distributed.watchdog import GRACE_S, _Progress, stall_report, waiting


def progress(finished, waiting_in=None, waiting_since=None):
    state = _Progress()
    state.finished, state.waiting_in, state.waiting_since = finished, waiting_in, waiting_since
    return state


def test_a_rank_outside_any_collective_past_the_timeout_is_the_stalled_one():
    assert stall_report(10, now=109.5, progress=progress(100.0)) is None
    assert stall_report(10, now=112.0, progress=progress(100.0)) == (
        "stalled: no collective with the other ranks finished for 12 s (--timeout 10), and this rank is "
        "not waiting in one: the others wait for it")


def test_a_waiting_rank_reports_only_after_the_grace_a_live_stalled_rank_gets_first():
    state = progress(50.0, "the gradient allreduce", 100.0)  # its last exchange long ago: it waits now
    assert stall_report(10, now=100.0 + 10 + GRACE_S - 0.5, progress=state) is None
    assert stall_report(10, now=100.0 + 10 + GRACE_S + 1, progress=state) == (
        "waited 16 s in the gradient allreduce for the other ranks (--timeout 10): one of them stalled, "
        "or stopped without failing")


def test_waiting_marks_the_collective_and_its_end_is_progress():
    from chainrule.distributed import watchdog

    before = watchdog._progress.finished
    with waiting("barrier"):
        assert watchdog._progress.waiting_in == "barrier"
        assert watchdog._progress.waiting_since >= before
    assert watchdog._progress.waiting_in is None and watchdog._progress.finished >= before
