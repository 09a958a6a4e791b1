"""One thread count for NumPy's BLAS and PyTorch's intra-op pool, shared by the benchmarks."""


def limit_threads(threads, torch=None):
    """Set the BLAS/OpenMP pools (threadpoolctl), chainrule's thread count and ``torch``'s
    pool, if given, to ``threads``; returns a description of what was set, for the benchmark's output."""
    import chainrule

    chainrule.set_num_threads(threads)
    if torch is not None:
        torch.set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        return f"{threads} (OMP_NUM_THREADS; threadpoolctl not installed)"
    threadpool_limits(threads)
    pools = ", ".join(f"{p['internal_api']}={p['num_threads']}" for p in threadpool_info())
    return f"{threads} (threadpoolctl: {pools})"
