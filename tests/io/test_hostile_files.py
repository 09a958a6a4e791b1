"""The hostile-file campaign (hostile_files.py): 2,000 generated safetensors files of seed 18
through every checkpoint reader, 500 per process. Only CheckpointError escapes (FileNotFoundError
for a dangling link), no case runs 10 s, a process's memory grows at most PEAK_MIB above its
imports, and nothing is written outside the temporary folder. CHAINRULE_HOSTILE_SCALE=N runs N
times as many cases, CHAINRULE_HOSTILE_SEED another campaign (docs/safety.md)."""
import json
from pathlib import Path

CASES = 2000  # times CHAINRULE_HOSTILE_SCALE
PEAK_MIB = 128  # measured: 43 to 64 (the largest header generated is 5 MB)


def test_hostile_files_raise_only_checkpoint_errors(hostile_campaign):
    reports = hostile_campaign(Path(__file__).with_name("hostile_files.py"), [], CASES, batch=500)
    failures = [failure for report in reports for failure in report["failures"]]
    assert not failures, json.dumps(failures[:10], indent=1)
    assert max(report["peak_mib"] for report in reports) < PEAK_MIB
