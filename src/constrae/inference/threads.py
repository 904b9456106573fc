"""One thread for torch and for numpy's BLAS while timing or serving.

Per-window latencies are per-call figures, and on a small machine BLAS threads spinning
against each other slow eigh-heavy steps tenfold.
"""

import contextlib
from collections.abc import Iterator

import torch
from threadpoolctl import threadpool_limits


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Within the block torch and BLAS use one thread; torch's count comes back after."""
    threads_before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            yield
    finally:
        torch.set_num_threads(threads_before)
