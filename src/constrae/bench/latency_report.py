"""What a latency run means: our fastest path per mode, baseline ratios, the issue's
targets, a printed table and the JSON file.

JSON schema (``format`` "constrae-latency/1"):
``settings``, ``models`` {encoder: {source, config}}, ``paths`` [{name, ours, modes:
{mode: {p50_us, p99_us, mean_us, max_us, calls}}}], ``fastest`` {mode: {path, p50_us,
p99_us}}, ``ratios`` {baseline: {mode: {p50, p99}}} (baseline time / our fastest
path's time, same percentile), ``targets`` [{target, value, limit, met}].
"""

import json
from pathlib import Path
from typing import NamedTuple

from constrae.bench.latency import LatencyRun, PathResult
from constrae.bench.timing import MODES
from constrae.io.atomic import atomic_write_text

FORMAT = "constrae-latency/1"
P99_LIMITS_US = {"back_to_back": 50.0, "cadence_sleep": 300.0}
SPEEDUP_LIMITS = {"baseline/csp_lda": 10.0, "baseline/sparse_coder_lasso_lars": 100.0}
"""Our fastest path must be this many times faster (by p50) in each mode of P99_LIMITS_US."""


class Target(NamedTuple):
    """One of the issue's latency targets, checked on a run."""

    target: str
    value: float
    limit: float
    met: bool


def fastest(run: LatencyRun, mode: str) -> PathResult:
    """Our path with the lowest p99 in ``mode``."""
    return min((path for path in run.paths if path.ours), key=lambda path: path.timings[mode].p99_us)


def ratios(run: LatencyRun) -> dict[str, dict[str, dict[str, float]]]:
    best = {mode: fastest(run, mode).timings[mode] for mode in MODES}
    return {
        path.name: {
            mode: {
                "p50": path.timings[mode].p50_us / best[mode].p50_us,
                "p99": path.timings[mode].p99_us / best[mode].p99_us,
            }
            for mode in MODES
        }
        for path in run.paths
        if not path.ours
    }


def targets(run: LatencyRun) -> list[Target]:
    checked = []
    for mode, limit in P99_LIMITS_US.items():
        best = fastest(run, mode)
        p99 = best.timings[mode].p99_us
        checked.append(Target(f"fastest p99 {mode} ({best.name}) <= {limit:g} us", p99, limit, p99 <= limit))
    speedups = ratios(run)
    for baseline, limit in SPEEDUP_LIMITS.items():
        for mode in P99_LIMITS_US:
            if baseline in speedups:
                value = speedups[baseline][mode]["p50"]
                checked.append(Target(f"{baseline} / fastest, p50 {mode} >= {limit:g}x", value, limit, value >= limit))
    return checked


def to_json(run: LatencyRun) -> dict:
    return {
        "format": FORMAT,
        "settings": run.settings,
        "models": {name: info._asdict() for name, info in run.models.items()},
        "paths": [
            {"name": path.name, "ours": path.ours, "modes": {mode: t._asdict() for mode, t in path.timings.items()}}
            for path in run.paths
        ],
        "fastest": {
            mode: {
                "path": (best := fastest(run, mode)).name,
                "p50_us": best.timings[mode].p50_us,
                "p99_us": best.timings[mode].p99_us,
            }
            for mode in MODES
        },
        "ratios": ratios(run),
        "targets": [target._asdict() for target in targets(run)],
    }


def write_json(run: LatencyRun, path: str | Path) -> Path:
    return atomic_write_text(path, json.dumps(to_json(run), indent=2) + "\n")


def _us(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def format_table(run: LatencyRun) -> str:
    """A Markdown table: p50/p99 in microseconds per mode, and each baseline's p50 ratio."""
    speedups = ratios(run)
    header = "| path | " + " | ".join(f"{mode} p50 / p99 (us)" for mode in MODES) + " | x fastest (p50, per mode) |"
    lines = [header, "|---" * (len(MODES) + 2) + "|"]
    for path in run.paths:
        cells = [f"{_us(path.timings[m].p50_us)} / {_us(path.timings[m].p99_us)}" for m in MODES]
        ratio = " / ".join(f"{speedups[path.name][m]['p50']:,.0f}" for m in MODES) if not path.ours else ""
        lines.append(f"| {path.name} | " + " | ".join(cells) + f" | {ratio} |")
    lines.append("")
    for mode in MODES:
        best = fastest(run, mode)
        lines.append(f"fastest {mode}: {best.name} (p99 {_us(best.timings[mode].p99_us)} us)")
    for target in targets(run):
        lines.append(f"{'met ' if target.met else 'MISSED'} {target.target}: {target.value:,.1f}")
    for name, info in run.models.items():
        lines.append(f"{name} model: {info.source}")
    load = run.settings["load_average_1min"]
    lines.append(f"int8 kernels: {run.settings['int8_kernel']}")
    lines.append(
        f"machine load (1 min average) {load['start']:.1f} at start, {load['end']:.1f} at end, "
        f"{load['cores']} cores; run took {run.settings['elapsed_s']:.0f} s"
    )
    return "\n".join(lines)
