"""The streaming commands: ``stream``, ``replay``, ``fit-decoder`` and ``bench stream``."""

import collections
import contextlib
import json
import sys
import warnings
from pathlib import Path

import typer

from constrae.cli.errors import fail_cleanly
from constrae.cli.options import UNITS
from constrae.data.crops import CROP_REACH_SECONDS
from constrae.errors import StreamLostError
from constrae.inference.threads import one_thread
from constrae.io.atomic import atomic_write_text
from constrae.stream.stopping import stop_on_signals

PLOT_WINDOWS = 4096
"""Windows kept for --plot (about 4 min at 16 Hz): memory stays bounded however long it serves."""


@contextlib.contextmanager
def _warnings_as_lines():
    """Every warning as one `warning: ...` line on stderr (a lost stream may warn many times)."""

    def show(message, category, filename, lineno, file=None, line=None):
        print(f"\nwarning: {message}", file=sys.stderr, flush=True)

    with warnings.catch_warnings():
        warnings.simplefilter("always", UserWarning)
        warnings.showwarning = show
        yield


def stream(
    run_dir: Path = typer.Argument(..., help="Run folder of a model trained on EEG recordings."),
    source: str = typer.Option(..., "--source", help="Name of the LSL stream to read."),
    hop: float = typer.Option(0.0625, help="Seconds between encoded windows (0.0625: 16 Hz)."),
    decoder: Path = typer.Option(None, help="Decoder folder (constrae fit-decoder): also publish commands."),
    features_name: str = typer.Option(None, help="Name of the features outlet (default: SOURCE-features)."),
    duration: float = typer.Option(None, help="Stop after this many seconds (default: until Ctrl-C)."),
    resolve_timeout: float = typer.Option(10.0, help="Seconds to wait for the stream at start."),
    reconnect_timeout: float = typer.Option(
        None, help="Stop after looking this long for a lost stream (default: for ever)."
    ),
    keep_stale: bool = typer.Option(False, help="Encode every window even when behind (default: the newest only)."),
    status: bool = typer.Option(True, help="Refresh a status line on stderr."),
    plot: Path = typer.Option(None, help="At shutdown, write a picture of the feature stream here (.png)."),
    json_path: Path = typer.Option(None, "--json", help="At shutdown, write the summary here as JSON."),
    units: str = typer.Option(
        None, help="Units of the stream's samples when its channels do not declare them (V, mV, uV, nV)."
    ),
) -> None:
    """Read an LSL stream, publish the features of every hop (and commands) as LSL outlets."""
    from constrae.inference.extractor import FeatureExtractor
    from constrae.stream.decoder import LinearDecoder
    from constrae.stream.extractor import StreamingConfig
    from constrae.stream.server import ServeConfig, serve

    kept: collections.deque = collections.deque(maxlen=PLOT_WINDOWS)
    config = ServeConfig(
        source,
        StreamingConfig(hop, drop_stale=not keep_stale),
        features_name=features_name,
        resolve_timeout_s=resolve_timeout,
        reconnect_timeout_s=reconnect_timeout,
        duration_s=duration,
        units=units,
    )
    # Loaded before one_thread: a model the NumPy path cannot run imports torch, whose threads it limits.
    extractor = FeatureExtractor.load(run_dir)
    with _warnings_as_lines(), stop_on_signals(), one_thread():
        summary = serve(
            extractor,
            config,
            LinearDecoder.load(decoder) if decoder else None,
            on_features=kept.append if plot else None,
            on_status=(lambda line: print(f"\r{line}", end="", file=sys.stderr, flush=True)) if status else None,
        )
    typer.echo(("\n" if status else "") + f"summary: {summary.text()}")
    if json_path is not None:
        typer.echo(f"wrote {atomic_write_text(json_path, json.dumps(_mapping(summary), indent=2))}")
    if plot is not None:
        from constrae.plots.stream import write_feature_plot

        typer.echo(f"wrote {write_feature_plot(plot, list(kept), source)}")
    if summary.stopped == "stream lost":
        waited = f"within {reconnect_timeout:g} s" if reconnect_timeout is not None else "before --duration ran out"
        raise StreamLostError(
            f"LSL stream {source!r} was lost and did not come back {waited} (served {summary.windows} windows before)"
        )


def _mapping(summary) -> dict:
    return {**summary._asdict(), "latency": summary.latency._asdict()}


def replay(
    recording: Path = typer.Argument(..., help="Recording to play (EDF, .npz, ...)."),
    name: str = typer.Option("constrae-replay", help="LSL stream name."),
    source_id: str = typer.Option(None, help="LSL source id (default: the name)."),
    chunk_seconds: float = typer.Option(1 / 32, help="Seconds of samples per push."),
    wait_for_consumer: float = typer.Option(0.0, help="Wait up to this long for a first reader before playing."),
    seconds: float = typer.Option(None, help="Play only the first this many seconds."),
    loop: bool = typer.Option(False, help="Start again at the end, until Ctrl-C."),
    json_path: Path = typer.Option(None, "--json", help="At the end, write the summary here as JSON."),
    markers: bool = typer.Option(True, help="Also publish the recording's events on the stream NAME-markers."),
) -> None:
    """Publish a recording as a live LSL stream at its real rate (no hardware needed), and its
    events as a marker stream on the same clock."""
    from constrae.data import read_recording
    from constrae.stream.replay import ReplayConfig
    from constrae.stream.replay import replay as play

    data = read_recording(recording)
    config = ReplayConfig(name, source_id, chunk_seconds, wait_for_consumer, seconds, loop, markers)
    typer.echo(
        f"publishing {recording} as LSL stream {name!r}: {len(data.channels)} channels at {data.sfreq} Hz", err=True
    )
    with stop_on_signals():
        summary = play(data, config, on_start=lambda: typer.echo("playing", err=True))
    typer.echo(
        f"played {summary.samples} samples ({summary.seconds:.1f} s) and {summary.markers} event markers; "
        "pushes after due: "
        f"p99 {summary.p99_push_delay_ms:.2f} ms, max {summary.max_push_delay_ms:.2f} ms"
    )
    if json_path is not None:
        typer.echo(f"wrote {atomic_write_text(json_path, json.dumps(summary._asdict(), indent=2))}")


def fit_decoder(
    run_dir: Path = typer.Argument(..., help="Run folder of a model trained on EEG recordings."),
    recordings: list[Path] = typer.Argument(..., help="Labelled recordings (EDF with T1/T2 annotations, ...)."),
    out: Path = typer.Option(..., "--out", help="Folder to write decoder.json and decoder.safetensors into."),
    label: list[str] = typer.Option(["T1", "T2"], help="Event labels to decode (repeat the option)."),
    offset: float = typer.Option(0.5, help="Window start after each event's onset, in seconds."),
    crops: float = typer.Option(
        CROP_REACH_SECONDS,
        min=0,
        help="Fit on the windows every 0.125 s within +-CROPS s of each trial's (0: its own only).",
    ),
    units: str = UNITS,
) -> None:
    """Fit a linear decoder of commands (shrinkage LDA) on the features of labelled trials and the
    windows around them."""
    from constrae.inference.extractor import FeatureExtractor
    from constrae.stream.decoder import fit_decoder as fit

    extractor = FeatureExtractor.load(run_dir)
    with one_thread():
        decoder, accuracy = fit(extractor, recordings, label, offset, units, crops)
    about = {
        "run_dir": str(run_dir),
        "recordings": [str(p) for p in recordings],
        "offset_seconds": offset,
        "crop_seconds": crops,
        "cv_accuracy": accuracy,
    }
    decoder.save(out, about)
    typer.echo(f"wrote {out}: classes {', '.join(decoder.classes)}, cross-validated accuracy {accuracy:.3f}")


def bench_online(
    run_dir: Path = typer.Argument(..., help="Run folder of a model trained on EEG recordings."),
    recordings: list[Path] = typer.Argument(..., help="Held-out recordings to replay, one session each."),
    decoder: Path = typer.Option(..., help="Decoder folder (constrae fit-decoder or calibrate)."),
    train: list[Path] = typer.Option(
        [], help="Recordings CSP+LDA is fitted on (default: those the decoder was fitted on)."
    ),
    label: list[str] = typer.Option(["T1", "T2"], help="The two event labels the decoder tells apart."),
    hop: float = typer.Option(0.0625, help="Seconds between decisions."),
    seconds: float = typer.Option(None, help="Replay only the first this many seconds of each recording."),
    out: Path = typer.Option(Path("reports/online"), help="Folder for online.md, online.json, online_timeline.png."),
) -> None:
    """Pseudo-online evaluation: replay each recording in real time, decide as it streams, score the
    decisions against its cues, next to CSP+LDA on the same windows."""
    from constrae.errors import ConfigError
    from constrae.online.bench import bench_online as run
    from constrae.online.report import table_lines, write_online_report

    train = train or decoder_recordings(decoder)
    if not train:
        raise ConfigError("--train: name the recordings CSP+LDA is fitted on (the decoder does not say)")
    with _warnings_as_lines(), one_thread():
        rows, sessions = run(run_dir, decoder, recordings, train, label, hop, seconds)
    for line in table_lines(rows):
        typer.echo(line)
    header = (
        f"Model {run_dir}, decoder {decoder}; CSP+LDA fitted on {', '.join(p.name for p in train)}. Each recording "
        f"replayed in real time over LSL with its event markers, a decision every {hop:g} s."
    )
    for path in write_online_report(rows, sessions, label, out, header):
        typer.echo(f"wrote {path}")


def control(
    source: str = typer.Option(
        ..., "--source", help="The served stream's name: reads SOURCE-commands (and SOURCE-markers)."
    ),
    label: list[str] = typer.Option(["T1", "T2"], help="The two command labels: left target, right target."),
    gain: float = typer.Option(1.0, help="Speed at full agreement, target distances per second."),
    smoothing: float = typer.Option(0.5, help="Time constant of the average of the commands, in seconds."),
    threshold: float = typer.Option(0.6, help="Agreement below which the cursor does not move."),
    timeout: float = typer.Option(1.0, help="Stop (velocity 0) when no command came for this many seconds."),
    duration: float = typer.Option(None, help="Stop after this many seconds (default: until Ctrl-C)."),
    plot: Path = typer.Option(None, help="At the end, write the cursor's trajectory here (.png)."),
    animation: Path = typer.Option(None, help="At the end, write the session as an animation here (.gif)."),
    view: bool = typer.Option(False, help="Show the cursor live in a window (where there is a screen)."),
    json_path: Path = typer.Option(None, "--json", help="At the end, write the summary here as JSON."),
) -> None:
    """A simulated effector: a cursor moved towards the commanded target by a smoothing controller,
    reset at each cue; it stops safely when commands stop."""
    from constrae.control.cursor import CursorConfig
    from constrae.control.live import control as drive
    from constrae.plots.cursor_view import open_view, screen_backend

    config = CursorConfig(gain, smoothing, threshold, timeout)
    on_step = None
    if view and screen_backend() is None:
        typer.echo("no screen here (matplotlib has no interactive backend): --view shows nothing", err=True)
    elif view:
        on_step = open_view(label).show
    with stop_on_signals():
        summary = drive(
            source,
            label,
            config,
            duration,
            on_status=lambda line: typer.echo(line, err=True),
            on_step=on_step,
        )
    typer.echo(
        f"{summary.commands} commands, {summary.cues} cues, {summary.seconds:.1f} s, {summary.stops} stops; "
        f"ended: {summary.ended}; final position {summary.trajectory[-1].position:+.2f}, velocity 0"
    )
    if plot is not None:
        from constrae.plots.autoencoder import save_figure
        from constrae.plots.control import trajectory_figure

        typer.echo(f"wrote {save_figure(trajectory_figure(summary.trajectory, label), plot)}")
    if animation is not None:
        from constrae.plots.cursor_view import write_animation

        typer.echo(f"wrote {write_animation(summary.trajectory, label, animation)}")
    if json_path is not None:
        document = {**summary._asdict(), "trajectory": [state._asdict() for state in summary.trajectory]}
        typer.echo(f"wrote {atomic_write_text(json_path, json.dumps(document))}")


def decoder_recordings(decoder: Path) -> list[Path]:
    """The recordings a decoder folder says it was fitted on (fit-decoder, or calibrate's record)."""
    about = json.loads((decoder / "decoder.json").read_text()) if (decoder / "decoder.json").is_file() else {}
    if "recordings" in about:
        return [Path(p) for p in about["recordings"]]
    calibration = decoder / str(about.get("calibration", ""))
    if about.get("calibration") and calibration.is_file():
        return [Path(p) for p in json.loads(calibration.read_text())["recordings"]]
    return []


def bench_stream(
    run: list[Path] = typer.Option(
        None,
        help="Run folders to serve (repeat); default: train examples/s001_spatiotemporal.yaml, "
        "s001_tangent_sparse.yaml and s001_power.yaml.",
    ),
    recording: Path = typer.Option(Path("../shared/data/eegmmidb/S001/S001R04.edf"), help="Recording to replay."),
    seconds: float = typer.Option(None, help="Replay only the first this many seconds (default: all)."),
    hop: float = typer.Option(0.0625, help="Seconds between encoded windows."),
    out: Path = typer.Option(Path("reports/stream"), help="Folder for stream.md and stream.json."),
) -> None:
    """Replay a recording in another process, serve it, and report latency and drops."""
    from constrae.stream.bench import run_bench, write_report

    with one_thread():
        results = run_bench(run or None, recording, seconds, hop, log=lambda line: typer.echo(line, err=True))
    table, paths = write_report(results, out)
    typer.echo(table)
    for path in paths:
        typer.echo(f"wrote {path}")


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    """Add the streaming commands to the ``constrae`` app and ``bench stream`` to its bench group."""
    app.command()(fail_cleanly(stream))
    app.command()(fail_cleanly(replay))
    app.command(name="fit-decoder")(fail_cleanly(fit_decoder))
    bench_app.command("stream")(fail_cleanly(bench_stream))
    bench_app.command("online")(fail_cleanly(bench_online))
    app.command("control")(fail_cleanly(control))
