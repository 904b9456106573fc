"""A continuous multichannel recording with its events, read from EDF/anything MNE reads,
``.npz``, ``.npy`` or CSV. Shapes: ``c`` channels, ``t`` samples, ``e`` events."""

import dataclasses
from pathlib import Path
from typing import NamedTuple

import numpy as np

from constrae.data.edf_header import EDF_SUFFIXES, check_complete
from constrae.data.units import canonical_unit
from constrae.errors import DataError

ARRAY_SUFFIXES = (".npy", ".npz", ".csv")


class Events(NamedTuple):
    """Annotated events, in samples from the start of the recording."""

    onsets_E: np.ndarray
    """Onset sample of each event (int64)."""
    durations_E: np.ndarray
    """Duration of each event in samples (int64)."""
    labels_E: np.ndarray
    """Label of each event (str), e.g. the annotation's description "T1"."""

    @classmethod
    def none(cls) -> "Events":
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, "U1"))

    def select(self, labels) -> "Events":
        keep_E = np.isin(self.labels_E, list(labels))
        return Events(self.onsets_E[keep_E], self.durations_E[keep_E], self.labels_E[keep_E])


@dataclasses.dataclass(frozen=True)
class Recording:
    """Continuous signals of one session."""

    signals_CT: np.ndarray
    """Samples per channel, float64 (volts for files read through MNE)."""
    sfreq: float
    """Sampling rate in Hz."""
    channels: tuple[str, ...]
    """Channel names, standardised (10-05 spelling, no trailing dots)."""
    events: Events
    """Annotated events; empty when the file has none."""
    source: str
    """Where it came from, for error messages."""
    named_channels: bool = True
    """False when the file carries no channel names (a .npy): its channels match a model's by position."""
    units: str | None = None
    """Units of the samples (``constrae.data.units``: V for files read through MNE), None when unknown."""

    def __post_init__(self) -> None:
        if self.signals_CT.ndim != 2 or 0 in self.signals_CT.shape:
            raise DataError(f"{self.source}: expected (channels, samples) signals, got shape {self.signals_CT.shape}")
        if len(self.channels) != len(self.signals_CT):
            raise DataError(f"{self.source}: {len(self.channels)} channel names for {len(self.signals_CT)} channels")
        if len(set(self.channels)) != len(self.channels):
            raise DataError(f"{self.source}: duplicate channel names")
        if not self.sfreq > 0:
            raise DataError(f"{self.source}: sampling rate must be > 0, got {self.sfreq}")
        bad_CT = ~np.isfinite(self.signals_CT)
        if bad_CT.any():
            channel, sample = np.argwhere(bad_CT)[0]
            raise DataError(
                f"{self.source}: {int(bad_CT.sum())} NaN/inf samples, the first in channel "
                f"{self.channels[channel]!r} at sample {sample} ({sample / self.sfreq:.3f} s)"
            )

    @property
    def n_samples(self) -> int:
        return self.signals_CT.shape[1]


def read_recording(
    path: str | Path, sfreq: float | None = None, channels: list[str] | None = None, units: str | None = None
) -> Recording:
    """Read a recording. EDF/BDF/FIF/BrainVision/... go through MNE (EEG channels only,
    names standardised, events from annotations, samples in volts). ``.npz`` holds ``signals``
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
        return _read_npz(path)
    if suffix in (".npy", ".csv"):
        if sfreq is None:
            raise DataError(f"{path}: a {suffix} recording needs its sampling rate (sfreq)")
        signals_CT, header = _read_npy(path) if suffix == ".npy" else _read_csv(path)
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
        return Recording(signals_CT, float(sfreq), standard_names(names), Events.none(), str(path))
    if suffix in EDF_SUFFIXES:
        check_complete(path)
    return _read_with_mne(path)


def standard_names(names) -> tuple[str, ...]:
    """10-05 spelling of channel names, as PhysioNet files need: no trailing dots, upper case
    but for a final z and a leading Fp (``Fc5.`` -> ``FC5``, ``Cz..`` -> ``Cz``)."""
    standard = []
    for name in names:
        name = str(name).strip().strip(".").upper()
        name = name[:-1] + "z" if name.endswith("Z") else name
        standard.append("Fp" + name[2:] if name.startswith("FP") else name)
    return tuple(standard)


def real_samples(values, where: str) -> np.ndarray:
    """``values`` as float64; DataError for complex, text, object or boolean arrays."""
    values = np.asarray(values)
    if values.dtype.kind not in "iuf":
        kind = "complex" if values.dtype.kind == "c" else f"{values.dtype}"
        raise DataError(f"{where}: expected real numbers, got {kind} values (dtype {values.dtype})")
    return values.astype(np.float64)


def _read_with_mne(path: Path) -> Recording:
    import mne

    try:
        raw = mne.io.read_raw(path, preload=True, verbose="error")
    except Exception as error:  # MNE raises many types for unreadable files
        raise DataError(f"{path}: MNE cannot read it: {error}") from error
    raw.rename_channels(dict(zip(raw.ch_names, standard_names(raw.ch_names), strict=True)))
    raw.pick("eeg")
    sfreq = float(raw.info["sfreq"])
    annotations = raw.annotations
    onsets_E = np.round((annotations.onset - raw.first_time) * sfreq).astype(np.int64)
    events = Events(
        onsets_E,
        np.round(annotations.duration * sfreq).astype(np.int64),
        np.array([str(d) for d in annotations.description], dtype="U"),
    )
    return Recording(raw.get_data(), sfreq, tuple(raw.ch_names), events, str(path), units="V")


def _read_npz(path: Path) -> Recording:
    try:
        with np.load(path, allow_pickle=False) as archive:
            members = {name: archive[name] for name in archive.files}
    except (ValueError, OSError, EOFError) as error:
        raise DataError(f"{path}: not a readable .npz of numbers and strings: {error}") from error
    except Exception as error:  # zipfile raises BadZipFile and others for damaged archives
        raise DataError(f"{path}: not a readable .npz archive: {error}") from error
    missing = [key for key in ("signals", "sfreq", "channels") if key not in members]
    if missing:
        raise DataError(f"{path}: missing array {missing[0]!r}; an .npz recording holds signals, sfreq, channels")
    if members["sfreq"].size != 1 or members["channels"].ndim != 1:
        raise DataError(f"{path}: sfreq must be one number and channels a list of names")
    events = Events.none()
    if "event_onsets" in members:
        onsets_E = real_samples(members["event_onsets"], f"{path}: event_onsets").astype(np.int64).ravel()
        durations_E = (
            real_samples(members["event_durations"], f"{path}: event_durations").astype(np.int64).ravel()
            if "event_durations" in members
            else np.zeros_like(onsets_E)
        )
        labels_E = members.get("event_labels", np.zeros(0)).astype(str).ravel()
        if not len(onsets_E) == len(durations_E) == len(labels_E):
            raise DataError(
                f"{path}: {len(onsets_E)} event_onsets, {len(durations_E)} event_durations and "
                f"{len(labels_E)} event_labels; they must be as many"
            )
        events = Events(onsets_E, durations_E, labels_E)
    sfreq = real_samples(members["sfreq"], f"{path}: sfreq").item()
    signals_CT = real_samples(members["signals"], f"{path}: signals")
    units = canonical_unit(members["units"].item(), f"{path}: units") if "units" in members else None
    names = standard_names(members["channels"].astype(str))
    return Recording(signals_CT, sfreq, names, events, str(path), units=units)


def _read_npy(path: Path) -> tuple[np.ndarray, None]:
    try:
        values = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise DataError(f"{path}: not a readable .npy array of numbers: {error or 'the file is empty'}") from error
    if values.ndim != 2:
        raise DataError(f"{path}: expected a (channels, samples) array, got shape {values.shape}")
    return real_samples(values, str(path)), None


def _read_csv(path: Path) -> tuple[np.ndarray, list[str]]:
    try:
        header = path.read_text(encoding="utf-8").split("\n", 1)[0].strip().split(",")
        samples_TC = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    except (ValueError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: not a CSV of numbers under a header of channel names: {error}") from error
    return real_samples(samples_TC, str(path)).T, [name.strip() for name in header]
