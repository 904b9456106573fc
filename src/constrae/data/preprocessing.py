"""The preprocessing a model carries: channel set, sampling rate, causal filter,
window length and per-channel standardisation fitted on training windows only.

Shapes: ``c`` channels, ``t`` samples, ``n`` windows, ``w`` samples per window.
"""

import dataclasses
from typing import Any, Literal

import numpy as np

from constrae.data.filters import CausalFilter, design_sos
from constrae.data.recording import Recording
from constrae.data.tangent import inverse_square_root, oas_covariances, riemannian_mean, tangent_vectors
from constrae.data.units import canonical_unit, conversion
from constrae.data.windows import sliding_starts, starts_outside, windows_at
from constrae.errors import DataError
from constrae.io.mappings import from_dict, require, to_dict

_MIN_STD = 1e-12
"""A flat channel is scaled by 1, not by 1/0."""


Representation = Literal["raw", "tangent_space"]
"""Model input per window: the standardised samples, or the covariance's tangent vector."""


@dataclasses.dataclass
class EEGConfig:
    """How continuous recordings become model inputs (the ``data.eeg`` section)."""

    window_seconds: float = 1.0
    """Length of one model input window."""
    hop_seconds: float = 0.25
    """Step between training windows."""
    l_freq: float | None = 7.0
    """Band-pass low edge in Hz (None: low-pass only)."""
    h_freq: float | None = 30.0
    """Band-pass high edge in Hz (None: high-pass only)."""
    notch: float | None = None
    """Line-noise notch in Hz, e.g. 50 or 60."""
    filter_order: int = 4
    """Butterworth order of the band-pass."""
    channels: list[str] | None = None
    """Channels to use, in this order; None takes every EEG channel of the first recording."""
    representation: Representation = "raw"
    """Model input per window: raw, the standardised samples (c x w, channel-major);
    tangent_space, the window's covariance in the tangent space at the training
    windows' Riemannian mean (c (c + 1) / 2 values, see constrae.data.tangent)."""
    classes: list[str] | None = None
    """Event labels that label training windows: a window inside an event labelled classes[k]
    is class k, every other window is unlabelled (-1); for discriminative terms and a csp
    projection. None: no labels."""
    labelled_seconds: list[float] | None = None
    """[a, b]: with ``classes``, only windows inside [onset + a, onset + b] of their event are
    labelled, those around the window a decision is made on (``[0.5, 2.5]`` around 1-2 s after the
    cue); None: any window inside the event."""

    def __post_init__(self) -> None:
        require(self.window_seconds > 0, "data.eeg.window_seconds", f"must be > 0, got {self.window_seconds}")
        require(self.hop_seconds > 0, "data.eeg.hop_seconds", f"must be > 0, got {self.hop_seconds}")
        require(1 <= self.filter_order <= 10, "data.eeg.filter_order", f"must be in [1, 10], got {self.filter_order}")
        require(self.channels is None or len(self.channels) > 0, "data.eeg.channels", "must not be empty")
        require(
            self.classes is None or (len(self.classes) >= 2 and len(set(self.classes)) == len(self.classes)),
            "data.eeg.classes",
            f"must name two or more distinct event labels, got {self.classes}",
        )
        if self.labelled_seconds is not None:
            span = self.labelled_seconds
            require(
                len(span) == 2 and 0 <= span[0] and span[1] - span[0] >= self.window_seconds,
                "data.eeg.labelled_seconds",
                f"must be [a, b] with 0 <= a and b - a >= window_seconds ({self.window_seconds}), got {span}",
            )


SINGULAR = "its covariance is singular, so it has no tangent vector; a flat channel, or fewer samples than channels"


def singular_covariances(covariances_NCC: np.ndarray) -> None:
    """DataError naming the first window whose covariance has no tangent vector (not positive definite)."""
    smallest_N = np.linalg.eigvalsh(covariances_NCC)[:, 0] if len(covariances_NCC) else np.zeros(0)
    bad_N = ~(smallest_N > 0)
    if bad_N.any():
        raise DataError(f"window {int(np.argmax(bad_N))} (of {len(bad_N)}): {SINGULAR}")


def finite_tangent_vectors(covariances_NCC: np.ndarray, reference_inv_sqrt_CC: np.ndarray) -> np.ndarray:
    """``tangent_vectors``, or the DataError of ``singular_covariances``: read from the vectors
    themselves (the log of a zero eigenvalue is not finite), so a decision pays no second
    eigendecomposition."""
    with np.errstate(divide="ignore", invalid="ignore"):
        vectors_NM = tangent_vectors(covariances_NCC, reference_inv_sqrt_CC)
    bad_N = ~np.isfinite(vectors_NM).all(axis=1)
    if bad_N.any():
        raise DataError(f"window {int(np.argmax(bad_N))} (of {len(bad_N)}): {SINGULAR}")
    return vectors_NM


@dataclasses.dataclass
class Preprocessing:
    """Fitted preprocessing; ``fit`` learns it, a run folder stores it as JSON."""

    config: EEGConfig
    sfreq: float
    channels: list[str]
    channel_mean_C: np.ndarray
    channel_std_C: np.ndarray
    reference_inv_sqrt_CC: np.ndarray | None = None
    """R^-1/2 of the training windows' Riemannian mean covariance (tangent_space only)."""
    tangent_scale: float = 1.0
    """1 / RMS of the training tangent vectors, so model inputs have unit mean square."""
    units: str | None = None
    """Units of the training samples (``constrae.data.units``); recordings in other known units
    are converted to them. None: unknown."""

    @property
    def window(self) -> int:
        """Samples per window."""
        return int(round(self.config.window_seconds * self.sfreq))

    @property
    def hop(self) -> int:
        return max(1, int(round(self.config.hop_seconds * self.sfreq)))

    @property
    def n_features(self) -> int:
        """Length of one model input: channels x window samples, or c (c + 1) / 2 tangent values."""
        n_channels = len(self.channels)
        if self.config.representation == "tangent_space":
            return n_channels * (n_channels + 1) // 2
        return n_channels * self.window

    def causal_filter(self) -> CausalFilter:
        """A fresh filter in the rest state, for one recording or stream."""
        cfg = self.config
        return CausalFilter(
            design_sos(self.sfreq, cfg.l_freq, cfg.h_freq, cfg.notch, cfg.filter_order), len(self.channels)
        )

    @classmethod
    def fit(
        cls, recordings: list[Recording], config: EEGConfig, exclude_spans: list[np.ndarray] | None = None
    ) -> "Preprocessing":
        """Channel set and rate from the recordings, statistics from their training windows.

        ``exclude_spans[i]`` lists [begin, end) sample spans of recording i that no
        training window may overlap (the test trials of a cross-validation fold).
        """
        if not recordings:
            raise DataError("no recordings to fit the preprocessing on")
        first = recordings[0]
        channels = list(config.channels or first.channels)
        unfitted = cls(
            config, first.sfreq, channels, np.zeros(len(channels)), np.ones(len(channels)), units=first.units
        )
        windows = [
            unfitted.filtered_windows(recording, unfitted.training_starts(recording, spans))
            for recording, spans in zip(recordings, exclude_spans or [np.zeros((0, 2))] * len(recordings))
        ]
        windows_NCW = np.concatenate(windows)
        if len(windows_NCW) == 0:
            raise DataError(
                f"no training window of {config.window_seconds} s fits in {len(recordings)} recording(s), "
                f"the first {first.source} ({first.n_samples / first.sfreq:.2f} s)"
            )
        return cls.from_windows(windows_NCW, config, first.sfreq, channels, first.units)

    @classmethod
    def from_windows(
        cls, windows_NCW: np.ndarray, config: EEGConfig, sfreq: float, channels: list[str], units: str | None = None
    ) -> "Preprocessing":
        """Channel standardisation (and the tangent reference) fitted on filtered windows."""
        mean_C, std_C = windows_NCW.mean(axis=(0, 2)), windows_NCW.std(axis=(0, 2))
        fitted = cls(config, sfreq, channels, mean_C, std_C, units=units)
        fitted.channel_std_C = np.maximum(fitted.channel_std_C, _MIN_STD)
        if config.representation == "tangent_space":
            covariances_NCC = oas_covariances(fitted.standardize(windows_NCW))
            singular_covariances(covariances_NCC)
            fitted.reference_inv_sqrt_CC = inverse_square_root(riemannian_mean(covariances_NCC))
            vectors_NM = tangent_vectors(covariances_NCC, fitted.reference_inv_sqrt_CC)
            # One window (or identical ones) sits at the mean itself: its vectors are all 0.
            fitted.tangent_scale = float(1 / max(np.sqrt(np.mean(vectors_NM**2)), _MIN_STD))
        return fitted

    def training_starts(self, recording: Recording, exclude_spans: np.ndarray) -> np.ndarray:
        starts_N = sliding_starts(recording.n_samples, self.window, self.hop)
        return starts_outside(starts_N, self.window, exclude_spans)

    def aligned_signals(self, recording: Recording) -> np.ndarray:
        """The recording's (c, t) signals in this preprocessing's channel order.

        Channels match by name, or by position for a file without names (a .npy); samples in
        other known units than the model's are converted to them. Refuses a different sampling
        rate, a missing channel or a different count, naming them."""
        if not np.isclose(recording.sfreq, self.sfreq):
            raise DataError(
                f"{recording.source}: sampling rate {recording.sfreq} Hz, the model was trained at {self.sfreq} Hz"
            )
        factor = conversion(recording.units, self.units)
        signals_CT = self._model_channels(recording)
        return signals_CT if factor == 1.0 else signals_CT * factor

    def _model_channels(self, recording: Recording) -> np.ndarray:
        if not recording.named_channels:
            if len(recording.channels) != len(self.channels):
                raise DataError(
                    f"{recording.source}: {len(recording.channels)} unnamed channels, the model reads "
                    f"{len(self.channels)} ({', '.join(self.channels[:4])}, ...); unnamed channels match by position"
                )
            return recording.signals_CT
        index = {name: i for i, name in enumerate(recording.channels)}
        missing = [name for name in self.channels if name not in index]
        if missing:
            raise DataError(
                f"{recording.source}: {len(missing)} of the model's {len(self.channels)} channels are missing: "
                f"{', '.join(missing[:8])}{' ...' if len(missing) > 8 else ''}"
            )
        return recording.signals_CT[[index[name] for name in self.channels]]

    def filtered(self, recording: Recording) -> np.ndarray:
        """Causally filtered (c, t) signals, from rest at the recording's start."""
        return self.causal_filter()(self.aligned_signals(recording))

    def filtered_windows(self, recording: Recording, starts_N: np.ndarray) -> np.ndarray:
        return windows_at(self.filtered(recording), starts_N, self.window)

    def standardize(self, windows_NCW: np.ndarray) -> np.ndarray:
        """(x - mean_c) / std_c per channel, as float32."""
        scaled = (windows_NCW - self.channel_mean_C[:, None]) / self.channel_std_C[:, None]
        return scaled.astype(np.float32)

    def model_inputs(self, recording: Recording, starts_N: np.ndarray | None = None) -> np.ndarray:
        """(n, n_features) model inputs of the windows at ``starts_N`` (default: every hop)."""
        if starts_N is None:
            starts_N = sliding_starts(recording.n_samples, self.window, self.hop)
        return self.represent(self.standardize(self.filtered_windows(recording, starts_N)))

    def represent(self, standardized_NCW: np.ndarray) -> np.ndarray:
        """Flat model inputs of standardised windows, in the configured representation."""
        if self.config.representation == "tangent_space":
            if self.reference_inv_sqrt_CC is None:
                raise DataError("tangent-space preprocessing without its reference: fit it, or load a whole run folder")
            vectors_NM = finite_tangent_vectors(oas_covariances(standardized_NCW), self.reference_inv_sqrt_CC)
            return (vectors_NM * self.tangent_scale).astype(np.float32)
        n, c, w = standardized_NCW.shape
        return standardized_NCW.reshape(n, c * w)

    def to_mapping(self) -> dict[str, Any]:
        reference = self.reference_inv_sqrt_CC
        return {
            "config": to_dict(self.config),
            "sfreq": self.sfreq,
            "channels": self.channels,
            "channel_mean": self.channel_mean_C.tolist(),
            "channel_std": self.channel_std_C.tolist(),
            "reference_inv_sqrt": None if reference is None else reference.tolist(),
            "tangent_scale": self.tangent_scale,
            "units": self.units,
        }

    @classmethod
    def from_mapping(cls, mapping: dict[str, Any], where: str) -> "Preprocessing":
        try:
            mean_C = np.asarray(mapping["channel_mean"], dtype=np.float64)
            std_C = np.asarray(mapping["channel_std"], dtype=np.float64)
            channels = [str(name) for name in mapping["channels"]]
            sfreq = float(mapping["sfreq"])
            config = from_dict(EEGConfig, mapping["config"], f"{where}.config")
            reference = mapping["reference_inv_sqrt"]
            tangent_scale = float(mapping["tangent_scale"])
            units = None if mapping.get("units") is None else canonical_unit(mapping["units"], f"{where}.units")
            reference_CC = None if reference is None else np.asarray(reference, dtype=np.float64)
        except (KeyError, TypeError, ValueError) as error:
            raise DataError(f"{where}: not a valid preprocessing record: {error!r}") from error
        if not (len(mean_C) == len(std_C) == len(channels)):
            raise DataError(f"{where}: {len(channels)} channels but {len(mean_C)} means and {len(std_C)} stds")
        if (reference_CC is None) != (config.representation != "tangent_space") or (
            reference_CC is not None and reference_CC.shape != (len(channels), len(channels))
        ):
            raise DataError(f"{where}: reference_inv_sqrt does not fit representation {config.representation!r}")
        return cls(config, sfreq, channels, mean_C, std_C, reference_CC, tangent_scale, units)
