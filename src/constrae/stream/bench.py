"""``constrae bench stream``: a recording replayed in another process, served here, timed end to end.

Latency of a window: from its last sample's LSL time stamp (the replay stamps sample
i at t0 + i / sfreq and pushes it then) to just after its features were pushed to
the outlet. Targets (issue 7): p99 <= 5 ms at a 16 Hz hop, zero windows dropped.

JSON schema (``format`` "constrae-stream-bench/1"): ``settings``, ``results`` [{model,
run_dir, representation, encoder_path, expected_windows, load_before, load_after,
replay {samples, seconds, p99_push_delay_ms, max_push_delay_ms}, summary {windows, dropped,
gaps, ..., latency {p50_ms, ...}, processing {...}}}].
"""

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from constrae import load_config
from constrae.data.windows import sliding_starts
from constrae.inference.extractor import FeatureExtractor
from constrae.io.atomic import atomic_write_text
from constrae.io.run import start_run
from constrae.stream.counters import StreamSummary
from constrae.stream.extractor import StreamingConfig, StreamingExtractor
from constrae.stream.replay import ReplaySummary
from constrae.stream.server import ServeConfig, StreamWarning, serve

FORMAT = "constrae-stream-bench/1"
P99_LIMIT_MS = 5.0
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
DEFAULT_CONFIGS = (
    EXAMPLES / "s001_spatiotemporal.yaml",
    EXAMPLES / "s001_tangent_sparse.yaml",
    EXAMPLES / "s001_power.yaml",
)
"""Served when no run folder is given: the cheap raw-window encoder, the tangent-space one
(an eigendecomposition per window, about 1 ms) and the power encoder (running second moments)."""
REPLAY_START_TIMEOUT_S = 60.0


class BenchResult(NamedTuple):
    """One model served over one replay."""

    model: str
    """Run folder name."""
    run_dir: str
    """Where the model came from."""
    representation: str
    """raw or tangent_space."""
    encoder_path: str
    """How windows became codes: the runtime (numpy or torch), or "numpy, running moments" for a power encoder."""
    expected_windows: int
    """Windows the replayed samples hold at this hop."""
    load_before: tuple[float, float, float]
    """os.getloadavg() when serving started: figures under load are provisional."""
    load_after: tuple[float, float, float]
    """os.getloadavg() when it ended."""
    summary: StreamSummary
    """What the server counted."""
    replay: ReplaySummary
    """What the replay process played, and how late its pushes were."""


def _replay_process(recording: Path, name: str, seconds: float | None, json_path: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "constrae.cli",
        "replay",
        str(recording),
        "--name",
        name,
        "--wait-for-consumer",
        str(REPLAY_START_TIMEOUT_S),
        "--json",
        str(json_path),
    ]
    if seconds is not None:
        command += ["--seconds", str(seconds)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def bench_one(
    run_dir: Path, recording: Path, seconds: float | None, hop: float, log: Callable[[str], None]
) -> BenchResult:
    from constrae.data import read_recording

    extractor = FeatureExtractor.load(run_dir)
    data = read_recording(recording)
    played = data.n_samples if seconds is None else min(data.n_samples, int(seconds * data.sfreq))
    live = StreamingExtractor(extractor, StreamingConfig(hop))
    expected = len(sliding_starts(played, extractor.preprocessing.window, live.hop))
    name = f"constrae-bench-{os.getpid()}-{run_dir.name}"
    log(f"{run_dir}: replaying {recording} ({played / data.sfreq:.0f} s) as {name!r} in another process")
    replay_json = Path(tempfile.mkdtemp()) / "replay.json"
    player = _replay_process(recording, name, seconds, replay_json)
    load_before = os.getloadavg()
    try:
        config = ServeConfig(
            name, StreamingConfig(hop), resolve_timeout_s=REPLAY_START_TIMEOUT_S, reconnect_timeout_s=1.0
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", StreamWarning)
            summary = serve(extractor, config)
    finally:
        output, _ = player.communicate(timeout=60)
    if player.returncode != 0 or not replay_json.is_file():
        raise RuntimeError(f"the replay process failed (exit {player.returncode}):\n{output}")
    replay_summary = ReplaySummary(**json.loads(replay_json.read_text()))
    shutil.rmtree(replay_json.parent)
    # The stream ends with the replay, so a last "lost" warning is the expected end; others are news.
    ends_with_loss = bool(caught) and "lost" in str(caught[-1].message)
    for warning in caught[: len(caught) - ends_with_loss]:
        log(f"warning: {warning.message}")
    return BenchResult(
        run_dir.name,
        str(run_dir),
        extractor.preprocessing.config.representation,
        live.windows.encoding,
        expected,
        load_before,
        os.getloadavg(),
        summary,
        replay_summary,
    )


def run_bench(
    run_dirs: list[Path] | None, recording: Path, seconds: float | None, hop: float, log: Callable[[str], None]
) -> list[BenchResult]:
    """Serve each run folder over a replay of ``recording``; without run folders, train the
    three S001 examples first (about 10 s, 1 min and 1.5 min)."""
    if run_dirs:
        return [bench_one(Path(run_dir), recording, seconds, hop, log) for run_dir in run_dirs]
    with tempfile.TemporaryDirectory() as folder:
        trained = []
        for config in DEFAULT_CONFIGS:
            run_dir = Path(folder) / config.stem
            log(f"training {config} into {run_dir}")
            start_run(load_config(config), run_dir, progress=False)
            trained.append(run_dir)
        return [bench_one(run_dir, recording, seconds, hop, log) for run_dir in trained]


def _row(result: BenchResult) -> str:
    s, lat, proc = result.summary, result.summary.latency, result.summary.processing
    met = "yes" if lat.p99_ms <= P99_LIMIT_MS and s.dropped == 0 else "no"
    return (
        f"| {result.model} ({result.representation}, {result.encoder_path}) "
        f"| {s.windows} / {result.expected_windows} | "
        f"{s.dropped} | {s.gaps} | {s.late_chunks} | {lat.p50_ms:.2f} | {lat.p95_ms:.2f} | {lat.p99_ms:.2f} | "
        f"{lat.max_ms:.2f} | {proc.p99_ms:.2f} | {result.replay.p99_push_delay_ms:.2f} "
        f"| {result.load_before[0]:.2f} | {met} |"
    )


def format_table(results: list[BenchResult]) -> str:
    header = (
        "| model | windows / expected | dropped | gaps | late chunks | p50 ms | p95 ms | p99 ms | max ms | "
        "processing p99 ms | replay push delay p99 ms | load (1 min) | p99 <= 5 ms, 0 dropped |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    return "\n".join([header, *(_row(result) for result in results)])


def write_report(results: list[BenchResult], out: Path) -> tuple[str, list[Path]]:
    """The Markdown table, and stream.md + stream.json written into ``out``."""
    table = format_table(results)
    stamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    mapping = {
        "format": FORMAT,
        "settings": {"when": stamp, "cpu_count": os.cpu_count(), "p99_limit_ms": P99_LIMIT_MS, "threads": 1},
        "results": [
            {
                **{k: v for k, v in r._asdict().items() if k not in ("summary", "replay")},
                "replay": r.replay._asdict(),
                "summary": {
                    **r.summary._asdict(),
                    "latency": r.summary.latency._asdict(),
                    "processing": r.summary.processing._asdict(),
                },
            }
            for r in results
        ],
    }
    note = (
        f"Latency from each window's last sample's LSL time stamp to just after its features were pushed; "
        f"replay in another process (its own push delay counts in the latency); one thread; {stamp}.\n\n"
    )
    paths = [
        atomic_write_text(out / "stream.md", note + table + "\n"),
        atomic_write_text(out / "stream.json", json.dumps(mapping, indent=2)),
    ]
    return table, paths
