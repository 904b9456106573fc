"""Timing one callable per window: back to back, or at a fixed cadence.

A real-time decoder encodes one window per tick (16 Hz: every 62.5 ms). Between
ticks the thread either sleeps, and comes back to cold caches and a slowed core,
or polls the clock, which keeps the core busy (on a loaded machine the scheduler
still hands the core to others, whose data then fills the caches). A third waiter
sleeps until ``PREWARM_LEAD_S`` before the tick, encodes the previous window once
untimed (pulling weights and code back into cache) and polls the rest of the way.
Back-to-back calls show the warm best case.
"""

import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

MODES = ("back_to_back", "cadence_sleep", "cadence_poll", "cadence_prewarm")
WARMUP_CALLS = 5
PREWARM_LEAD_S = 0.001


class Timing(NamedTuple):
    """Per-call wall time of one path in one mode, in microseconds."""

    p50_us: float
    """Median."""
    p99_us: float
    """99th percentile (with fewer than 100 calls, close to the maximum)."""
    mean_us: float
    """Mean."""
    max_us: float
    """Slowest call."""
    calls: int
    """Number of timed calls (fewer than asked when the time budget ran out)."""


def _wait_until(deadline: float, poll: bool) -> None:
    if poll:
        while time.perf_counter() < deadline:
            pass
    else:
        remaining = deadline - time.perf_counter()
        if remaining > 0:
            time.sleep(remaining)


def time_calls(
    call: Callable[[object], object],
    inputs: Sequence[object],
    mode: str,
    calls: int,
    period_s: float = 0.0625,
    budget_s: float = float("inf"),
) -> Timing:
    """Time ``calls`` calls of ``call``, cycling through ``inputs``, in ``mode``.

    Stops early once ``budget_s`` seconds have passed (after at least one call), so
    that a baseline slower than the cadence cannot take minutes.
    """
    if mode not in MODES:
        raise ValueError(f"mode {mode!r} is not one of {', '.join(MODES)}")
    for i in range(min(WARMUP_CALLS, calls)):
        call(inputs[i % len(inputs)])
    cadence, poll, prewarm = mode != "back_to_back", mode == "cadence_poll", mode == "cadence_prewarm"
    elapsed_ns = np.empty(calls, np.int64)
    started = next_tick = time.perf_counter()
    done = 0
    while done < calls and (done == 0 or time.perf_counter() - started < budget_s):
        if cadence:
            next_tick += period_s
            if prewarm:
                _wait_until(next_tick - PREWARM_LEAD_S, poll=False)
                call(inputs[(done - 1) % len(inputs)])
            _wait_until(next_tick, poll or prewarm)
        window = inputs[done % len(inputs)]
        before = time.perf_counter_ns()
        call(window)
        elapsed_ns[done] = time.perf_counter_ns() - before
        done += 1
        if cadence and time.perf_counter() > next_tick + period_s:
            # A call longer than the period: the next tick starts now instead of in a burst.
            next_tick = time.perf_counter()
    us = elapsed_ns[:done] / 1e3
    p50, p99 = np.percentile(us, [50, 99])
    return Timing(float(p50), float(p99), float(us.mean()), float(us.max()), done)
