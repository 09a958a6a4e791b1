"""One rank of the MPI tests (``mpiexec -n N python mpi_worker.py SCENARIO OUT_DIR``).

``train``: each rank trains a DistributedDataParallel model on its share of the same global
batches, and a plain copy of rank 0's initial model on the whole batches (the
single-process reference); it writes both, and what the other checks saw, to
``OUT_DIR/rank{r}.npz``. ``raise`` and ``kill``: rank 1 fails while the others wait.
``stall`` and ``stop``: under a 2 s stall watchdog, rank 1 computes forever (it can report
itself) or is stopped by SIGSTOP (it cannot: the ranks waiting for it report).
"""
import os
import signal
import sys
import time

import numpy as np

import chainrule as cr
from chainrule import distributed as dist
from chainrule import nn
from chainrule.nn import functional as F

GLOBAL_BATCH, FEATURES, CLASSES, STEPS = 10, 5, 3, 3


class Net(nn.Module):
    """An MLP with a layer no rank uses and one that only rank 0 uses."""

    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(FEATURES, 7, dtype="float64")
        self.out = nn.Linear(7, CLASSES, dtype="float64")
        self.never = nn.Linear(7, CLASSES, dtype="float64")
        self.sometimes = nn.Linear(7, CLASSES, dtype="float64")

    def forward(self, x, use_sometimes=False):
        h = self.hidden(x).tanh()
        y = self.out(h) + self.out(h * 0.5)  # a parameter used twice: two contributions
        return y + self.sometimes(h) if use_sometimes else y


def batches(seed):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(GLOBAL_BATCH, FEATURES)), rng.integers(0, CLASSES, GLOBAL_BATCH))
            for _ in range(STEPS)]


def shard(rows, rank, size):
    """This rank's part of a global batch (uneven when size does not divide it)."""
    return np.array_split(rows, size)[rank]


def share_loss(model, x, y, size, **kwargs):
    """This rank's loss, weighted so that the ranks' average is the global batch mean."""
    output = model(x if isinstance(x, cr.Tensor) else cr.tensor(x), **kwargs)
    return F.cross_entropy(output, cr.tensor(y), reduction="sum") * (size / GLOBAL_BATCH)


def train_both(ddp, reference, global_batches, rank, size):
    """SGD steps of ``ddp`` on this rank's shares and of ``reference`` on the whole batches;
    returns ``ddp``'s optimizer."""
    optimizer = cr.optim.SGD(ddp.module.parameters(), lr=0.1, momentum=0.9)
    reference_optimizer = cr.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    for x, y in global_batches:
        optimizer.zero_grad()
        share_loss(ddp, shard(x, rank, size), shard(y, rank, size), size).backward()
        optimizer.step()
        reference_optimizer.zero_grad()
        F.cross_entropy(reference(cr.tensor(x)), cr.tensor(y)).backward()
        reference_optimizer.step()
    return optimizer


def arrays(model, prefix):
    return {f"{prefix}{name}": np.array(np.asarray(p)) for name, p in model.named_parameters()}


def train(out_dir):
    rank, size = dist.rank(), dist.world_size()
    cr.manual_seed(100 + rank)  # different on every rank: the wrap must broadcast rank 0's
    model = Net()
    ddp = dist.DistributedDataParallel(model, bucket_cap_mb=0.0002)  # 200 bytes: several buckets
    cr.manual_seed(100)
    reference = Net()
    results = {"buckets": np.array(len(ddp._groups))}

    optimizer = train_both(ddp, reference, batches(seed=7), rank, size)
    results.update({**arrays(model, "ddp/"), **arrays(reference, "reference/")})
    results["never_grad_is_none"] = np.array(model.never.weight.grad is None)

    # no_sync: the first micro-batch accumulates locally, the second one averages the sum
    micro = batches(seed=8)[:2]
    optimizer.zero_grad()
    with ddp.no_sync():
        share_loss(ddp, shard(micro[0][0], rank, size), shard(micro[0][1], rank, size), size).backward()
    results["no_sync_local"] = np.array(np.asarray(model.out.weight.grad))
    share_loss(ddp, shard(micro[1][0], rank, size), shard(micro[1][1], rank, size), size).backward()
    reference.zero_grad()
    for x, y in micro:
        F.cross_entropy(reference(cr.tensor(x)), cr.tensor(y)).backward()
    results.update({f"no_sync/{name}": np.array(np.asarray(p.grad))
                    for name, p in model.named_parameters() if p.grad is not None})
    results.update({f"no_sync_reference/{name}": np.array(np.asarray(p.grad))
                    for name, p in reference.named_parameters() if p.grad is not None})

    # a layer that only rank 0 uses: every rank gets rank 0's gradient / size
    optimizer.zero_grad()
    x, y = batches(seed=9)[0]
    share_loss(ddp, shard(x, rank, size), shard(y, rank, size), size, use_sometimes=rank == 0).backward()
    results["sometimes_grad"] = np.array(np.asarray(model.sometimes.weight.grad))
    plain = Net()
    plain.load_state_dict(model.state_dict())
    share_loss(plain, shard(x, 0, size), shard(y, 0, size), size, use_sometimes=True).backward()
    results["sometimes_rank0_local"] = np.array(np.asarray(plain.sometimes.weight.grad))

    # overlap: when backward reaches the first layer, the later layers' buckets have started
    x, y = batches(seed=10)[0]
    inputs = cr.tensor(shard(x, rank, size), requires_grad=True)
    started = []
    inputs.register_hook(lambda grad: started.append(ddp._next))  # buckets started so far
    share_loss(ddp, inputs, shard(y, rank, size), size).backward()
    results["started_before_first_layer"] = np.array(started[0])

    results.update(sync_batchnorm_training(rank, size))

    # the collectives
    values = np.array([rank + 1.0, -rank, 2.0 * rank])
    for op in ("sum", "mean", "max", "min"):
        results[f"all_reduce/{op}"] = dist.all_reduce(values.copy(), op)
    results["broadcast"] = dist.broadcast(cr.tensor(np.full(3, float(rank))), src=size - 1).numpy()

    sampler = dist.DistributedSampler(range(11), seed=3)
    for epoch in (0, 1):
        sampler.set_epoch(epoch)
        results[f"sampler/{epoch}"] = np.array(list(sampler))
    np.savez(os.path.join(out_dir, f"rank{rank}.npz"), **results)


def conv_net():
    return nn.Sequential(nn.Conv2d(2, 3, 3, dtype="float64"), nn.BatchNorm2d(3, dtype="float64"), nn.ReLU(),
                         nn.Flatten(), nn.Linear(3 * 4 * 4, CLASSES, dtype="float64"),
                         nn.BatchNorm1d(CLASSES, dtype="float64"))


def sync_batchnorm_training(rank, size):
    """A CNN with batch norm: SyncBatchNorm on the shares trains as BatchNorm on the batches."""
    cr.manual_seed(200)
    model = dist.SyncBatchNorm.convert_sync_batchnorm(conv_net())
    ddp = dist.DistributedDataParallel(model)
    cr.manual_seed(200)
    reference = conv_net()
    rng = np.random.default_rng(11)
    images = [(rng.normal(size=(GLOBAL_BATCH, 2, 6, 6)) * 2 + 1, rng.integers(0, CLASSES, GLOBAL_BATCH))
              for _ in range(STEPS)]
    train_both(ddp, reference, images, rank, size)
    state, expected = model.state_dict(), reference.state_dict()
    return {**{f"sync_bn/{k}": np.array(np.asarray(v)) for k, v in state.items()},
            **{f"sync_bn_reference/{k}": np.array(np.asarray(v)) for k, v in expected.items()},
            "sync_bn_layers": np.array(sum(isinstance(m, dist.SyncBatchNorm) for m in model.modules()))}


def fail(how):
    dist.barrier()  # every rank has started
    if dist.rank() == 1:
        print(f"failing at {time.time()!r}", flush=True)  # the test times the end from here
        if how == "raise":
            raise ValueError("rank 1 gave up on purpose")
        os.kill(os.getpid(), signal.SIGKILL)
    dist.barrier()  # the other ranks wait for rank 1, which never comes


def stall(how):
    from chainrule.distributed.watchdog import watch

    with watch(2.0):
        dist.barrier()
        if dist.rank() == 1:
            print(f"failing at {time.time()!r}", flush=True)
            if how == "stop":
                os.kill(os.getpid(), signal.SIGSTOP)
            while True:  # busy, never reaching the next collective
                sum(range(10_000))
        dist.barrier()


if __name__ == "__main__":
    dist.init()
    scenario = sys.argv[1]
    if scenario == "train":
        train(sys.argv[2])
    elif scenario in ("stall", "stop"):
        stall(scenario)
    else:
        fail(scenario)
