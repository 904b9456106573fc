"""One thread for torch and for numpy's BLAS while timing or serving.

Per-window latencies are per-call figures, and on a small machine BLAS threads spinning
against each other slow eigh-heavy steps tenfold.
"""

import contextlib
import sys
from collections.abc import Iterator

from threadpoolctl import threadpool_limits


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Within the block torch (where it is imported: serving on the NumPy path does not) and BLAS
    use one thread; torch's count comes back after."""
    torch = sys.modules.get("torch")
    threads_before = torch.get_num_threads() if torch else 0
    if torch:
        torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            yield
    finally:
        if torch:
            torch.set_num_threads(threads_before)
