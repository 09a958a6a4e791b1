"""The hostile run-folder campaign (hostile_runs.py): 300 damaged copies of a finished run of seed
18, each given to eval, predict or train --resume (in turn), 75 per process. Each ends with
status 0, or 1 or 2 and exactly one Error: line and no traceback; eval and predict change
nothing, resume nothing outside the run; no case runs 30 s; a process's memory grows at most
PEAK_MIB above its imports; nothing is written outside the temporary folder.
CHAINRULE_HOSTILE_SCALE=N runs N times as many cases, CHAINRULE_HOSTILE_SEED another campaign
(docs/safety.md)."""
import json
from pathlib import Path

CASES = 300  # times CHAINRULE_HOSTILE_SCALE
PEAK_MIB = 256  # measured: 129 for 150 cases (training and drawing included)


def test_hostile_run_folders_end_in_one_error_line(hostile_campaign, small_run):
    reports = hostile_campaign(Path(__file__).with_name("hostile_runs.py"), [small_run.run_dir], CASES, batch=75)
    failures = [failure for report in reports for failure in report["failures"]]
    assert not failures, json.dumps(failures[:10], indent=1)
    assert max(report["peak_mib"] for report in reports) < PEAK_MIB
