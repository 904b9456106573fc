"""Fixtures shared by the test modules."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "constrae",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("constrae")
"""Property tests: 100 examples each, no per-example deadline (a 2-core CI machine stalls at times)."""

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
"""Real recordings, read-only, next to the project root (see its README.md)."""


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder; the test fails, naming the folder, when it is missing."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data folder not found: {SHARED_DATA} (expected next to the project root)")
    return SHARED_DATA


def pytest_configure(config):
    # On a 2-core machine a second busy process makes multi-threaded torch and BLAS stall
    # on its spinning workers; one thread keeps test times steady everywhere.
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    threadpool_limits(1)
