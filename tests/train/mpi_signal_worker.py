"""One rank of ``mpiexec -n N python mpi_signal_worker.py STEP RANK ARGS...``: ``chainrule
ARGS...``, where only rank RANK receives SIGINT, right after optimizer step STEP."""
import os
import signal
import sys

from chainrule import distributed as dist
from chainrule.cli import build_cli
from chainrule.train import loop

if __name__ == "__main__":
    step, rank, args = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    train_step = loop._train_step

    def step_then_signal(run, *rest):
        train_step(run, *rest)
        if run.state.step == step and dist.rank() == rank:
            os.kill(os.getpid(), signal.SIGINT)

    loop._train_step = step_then_signal
    build_cli()(args, prog_name="chainrule")
