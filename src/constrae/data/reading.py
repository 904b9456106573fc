"""``read_recording``: a recording from a file, whatever reads it (MNE, or constrae's own
readers of ``.npz``, ``.npy`` and CSV)."""

import dataclasses
from pathlib import Path

from constrae.data.edf_header import EDF_SUFFIXES, check_complete
from constrae.data.mne_raw import recording_from_raw
from constrae.data.recording import Events, Recording, names_as_read, read_csv, read_npy_signals, read_npz
from constrae.data.units import canonical_unit
from constrae.errors import DataError


def read_recording(
    path: str | Path, sfreq: float | None = None, channels: list[str] | None = None, units: str | None = None
) -> Recording:
    """Read a recording. EDF/BDF/FIF/BrainVision/... go through MNE (EEG channels only,
    names as ``names_as_read`` gives them, events from annotations or else the stim channel,
    samples in volts). ``.npz`` holds ``signals``
    (c, t), ``sfreq``, ``channels`` and optionally ``event_onsets``/``event_durations``
    (samples), ``event_labels`` and ``units``. ``.npy`` (c, t) and CSV (a header of channel
    names, one row per sample) need ``sfreq``; their channels are named by ``channels`` or the
    header. ``units`` says what a file that does not say holds; DataError if it says otherwise."""
    recording = _read_any(Path(path), sfreq, channels)
    if units is None:
        return recording
    given = canonical_unit(units, f"{path}: units")
    if recording.units not in (None, given):
        raise DataError(f"{path}: the file's samples are in {recording.units}, not {given} as given")
    return dataclasses.replace(recording, units=given)


def _read_any(path: Path, sfreq: float | None, channels: list[str] | None) -> Recording:
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return read_npz(path)
    if suffix in (".npy", ".csv"):
        if sfreq is None:
            raise DataError(f"{path}: a {suffix} recording needs its sampling rate (sfreq)")
        signals_CT, header = read_npy_signals(path) if suffix == ".npy" else read_csv(path)
        names = channels or header
        if not names:
            return Recording(
                signals_CT,
                float(sfreq),
                tuple(f"ch{i}" for i in range(len(signals_CT))),
                Events.none(),
                str(path),
                named_channels=False,
            )
        return Recording(signals_CT, float(sfreq), names_as_read(names), Events.none(), str(path))
    if suffix in EDF_SUFFIXES:
        check_complete(path)
    return _read_with_mne(path)


def _read_with_mne(path: Path) -> Recording:
    import mne

    try:
        raw = mne.io.read_raw(path, preload=True, verbose="error")
    except Exception as error:  # MNE raises many types for unreadable files
        raise DataError(f"{path}: MNE cannot read it: {error}") from error
    return recording_from_raw(raw, str(path))
