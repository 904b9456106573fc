"""A continuous multichannel recording with its events, and constrae's readers of ``.npz``,
``.npy`` and CSV recordings (``constrae.data.reading`` picks the reader). Shapes: ``c``
channels, ``t`` samples, ``e`` events."""

import dataclasses
from pathlib import Path
from typing import NamedTuple

import numpy as np

from constrae.data.units import canonical_unit
from constrae.errors import DataError


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


def names_as_read(names) -> tuple[str, ...]:
    """Channel names as the file gives them (stripped), 10-05 names such as ``AFF1h`` kept; in
    ``standard_names``' spelling only when the file pads them with dots, as PhysioNet's do
    (``Fc5.``, ``Cz..``), which no montage knows."""
    stripped = [str(name).strip() for name in names]
    return standard_names(stripped) if any(name.endswith(".") for name in stripped) else tuple(stripped)


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


def read_npz(path: Path) -> Recording:
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
    names = names_as_read(members["channels"].astype(str))
    return Recording(signals_CT, sfreq, names, events, str(path), units=units)


def read_npy_signals(path: Path) -> tuple[np.ndarray, None]:
    try:
        values = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise DataError(f"{path}: not a readable .npy array of numbers: {error or 'the file is empty'}") from error
    if values.ndim != 2:
        raise DataError(f"{path}: expected a (channels, samples) array, got shape {values.shape}")
    return real_samples(values, str(path)), None


def read_csv(path: Path) -> tuple[np.ndarray, list[str]]:
    try:
        header = path.read_text(encoding="utf-8").split("\n", 1)[0].strip().split(",")
        samples_TC = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    except (ValueError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: not a CSV of numbers under a header of channel names: {error}") from error
    return real_samples(samples_TC, str(path)).T, [name.strip() for name in header]
