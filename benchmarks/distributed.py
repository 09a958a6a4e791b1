"""Data-parallel scaling: samples/s on 1 and 2 MPI processes, chainrule next to PyTorch DDP (gloo).

    PYTHONPATH=src python benchmarks/distributed.py                      # w2 and w4, 1 and 2 processes
    PYTHONPATH=src python benchmarks/distributed.py --workload w2 --steps 20 --nproc 1 2 3

Each configuration is one ``mpiexec -n P`` launch of this script in worker mode, every
process with 1 BLAS thread (OMP_NUM_THREADS=1, torch.set_num_threads(1)). The global batch
is fixed (the workload's), so each process trains on batch / P examples: the same training
on any P, and samples/s counts global examples. Workloads (as in benchmarks/compare.py, float32,
cross-entropy, SGD momentum 0.9, random inputs: only the speed is measured):

| key | model                      | global batch |
| w2  | MLP 784-256-256-10, ReLU   | 256          |
| w4  | MLP 784-2048-2048-10, ReLU | 1024         |

Printed per configuration: samples/s, the scaling efficiency (samples/s on P / (P x on 1)),
and for chainrule the share of allreduce time hidden behind backward: 1 - (time backward
waits for its allreduces at its end) / (time the same buckets take to reduce alone). PyTorch
needs ``pip install torch``; without it only chainrule runs. Figures depend on the machine and
its load: run it on an idle one.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

WORKLOADS = {"w2": ((784, 256, 256, 10), 256), "w4": ((784, 2048, 2048, 10), 1024)}
REPO_ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workload", nargs="+", choices=sorted(WORKLOADS), default=["w2", "w4"])
    parser.add_argument("--nproc", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--steps", type=int, default=30, help="timed steps per run")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--no-torch", action="store_true", help="time chainrule alone")
    parser.add_argument("--worker", choices=["chainrule", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=29500, help=argparse.SUPPRESS)  # gloo's rendezvous
    return parser.parse_args(argv)


# ---- worker side: one process of one mpiexec launch ---------------------------------------
def batches(rank, size, workload, steps, seed=0):
    """This rank's share (numpy.array_split, as chainrule train splits) of a global batch."""
    import numpy as np

    sizes, batch = WORKLOADS[workload]
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], batch)
    share = np.array_split(np.arange(batch), size)[rank]
    return [(x[share], y[share])] * steps


def chainrule_worker(args):
    import chainrule as cr
    from chainrule import distributed as dist
    from chainrule import nn
    from chainrule.models import mlp

    class TimedDDP(dist.DistributedDataParallel):
        """Adds up the time backward spends at its end waiting for the allreduces."""

        waited = 0.0

        def _finish(self):
            start = time.perf_counter()
            super()._finish()
            self.waited += time.perf_counter() - start

    dist.init()
    rank, size = dist.rank(), dist.world_size()
    sizes, _ = WORKLOADS[args.workload]
    cr.manual_seed(0)
    model = TimedDDP(mlp(sizes))
    optimizer = cr.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    data = batches(rank, size, args.workload, args.warmup + args.steps)
    for step, (x, y) in enumerate(data):
        if step == args.warmup:
            dist.barrier()
            model.waited, start = 0.0, time.perf_counter()
        optimizer.zero_grad()
        loss_fn(model(cr.tensor(x)), cr.tensor(y)).backward()
        optimizer.step()
    dist.barrier()
    elapsed = time.perf_counter() - start
    alone = _reduce_alone(model, args.steps) if size > 1 else 0.0
    if rank == 0:
        print(json.dumps({"elapsed": elapsed, "waited": model.waited, "alone": alone}))


def _reduce_alone(model, steps):
    """Seconds the model's buckets take to allreduce, nothing else running, ``steps`` times."""
    import numpy as np

    world = model._world
    buffers = [np.zeros(sum(np.asarray(p).size + 1 for p in group), np.asarray(group[0]).dtype)
               for group in model._groups]  # gradients and flags, as DistributedDataParallel sends
    world.comm.Barrier()
    start = time.perf_counter()
    for _ in range(steps):
        world.mpi.Request.Waitall([world.comm.Iallreduce(world.mpi.IN_PLACE, buffer, op=world.mpi.SUM)
                                   for buffer in buffers])
    return time.perf_counter() - start


def torch_worker(args):
    import torch
    import torch.distributed as tdist

    torch.set_num_threads(1)
    rank, size = int(os.environ["PMI_RANK"]), int(os.environ["PMI_SIZE"])
    tdist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{args.port}", rank=rank, world_size=size)
    sizes, _ = WORKLOADS[args.workload]
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
    torch.manual_seed(0)
    model = torch.nn.parallel.DistributedDataParallel(torch.nn.Sequential(*layers[:-1]))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    data = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in
            batches(rank, size, args.workload, args.warmup + args.steps)]
    for step, (x, y) in enumerate(data):
        if step == args.warmup:
            tdist.barrier()
            start = time.perf_counter()
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    tdist.barrier()
    elapsed = time.perf_counter() - start
    if rank == 0:
        print(json.dumps({"elapsed": elapsed}))
    tdist.destroy_process_group()


# ---- driver side: one launch per configuration, then the table --------------------------
def launch(worker, workload, nproc, args, port):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT / "src"), env.get("PYTHONPATH")]))
    from chainrule.train.parallel import find_mpiexec

    command = [find_mpiexec(), "-n", str(nproc), sys.executable, __file__, "--worker", worker,
               "--workload", workload, "--steps", str(args.steps), "--warmup", str(args.warmup),
               "--port", str(port)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        raise SystemExit(f"{worker} on {nproc} processes failed:\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None):
    args = parse_args(argv)
    if args.worker is not None:
        args.workload = args.workload[0]
        return {"chainrule": chainrule_worker, "torch": torch_worker}[args.worker](args)
    from chainrule.train.parallel import find_mpiexec

    if find_mpiexec() is None:
        raise SystemExit('benchmarks/distributed.py needs mpiexec: pip install "chainrule[mpi]"')
    workers = ["chainrule"]
    if not args.no_torch:
        try:
            import torch  # noqa: F401
            workers.append("torch")
        except ImportError:
            print("PyTorch is not installed: chainrule alone (pip install torch for the comparison)")
    print(f"{args.steps} timed steps after {args.warmup} warm-up steps, 1 thread per process")
    print(f"{'workload':9}{'framework':11}{'processes':>10}{'samples/s':>12}{'efficiency':>12}{'hidden':>9}")
    port = 29500 + os.getpid() % 1000
    for workload in args.workload:
        batch = WORKLOADS[workload][1]
        for worker in workers:
            one = None
            for nproc in args.nproc:
                port += 1
                run = launch(worker, workload, nproc, args, port)
                rate = batch * args.steps / run["elapsed"]
                one = rate if nproc == 1 else one
                efficiency = "" if one is None else f"{rate / (nproc * one):.2f}"
                hidden = ""
                if worker == "chainrule" and nproc > 1 and run["alone"] > 0:
                    hidden = f"{max(0.0, 1 - run['waited'] / run['alone']):.0%}"
                print(f"{workload:9}{worker:11}{nproc:>10}{rate:>12.0f}{efficiency:>12}{hidden:>9}")


if __name__ == "__main__":
    main()
