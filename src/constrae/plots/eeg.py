"""Figures of an EEG model in the field's terms: spatial filters as scalp maps (MNE's
``plot_topomap`` on the standard 10-05 positions), temporal filters as frequency responses.

Shapes: ``v`` virtual channels (spatial filters), ``c`` channels, ``k`` kernel taps, ``h`` units.
"""

import math

import numpy as np
from matplotlib.figure import Figure
from scipy import signal

TOPOMAP_UNITS = 16
"""A model without a spatial projection shows this many code units' channel weights."""


def scalp_info(channels: list[str], sfreq: float):
    """MNE info of ``channels`` with standard 10-05 positions; None when none of them has one."""
    import mne

    info = mne.create_info(list(channels), sfreq, "eeg")
    builtin = mne.channels.get_builtin_montages()
    # MNE 1.12 renamed standard_1005 (the same 10-05 positions on the colin27 head).
    montage = "colin27_1005" if "colin27_1005" in builtin else "standard_1005"
    info.set_montage(mne.channels.make_standard_montage(montage), on_missing="ignore")
    positions = np.array([ch["loc"][:3] for ch in info["chs"]])
    return info if np.isfinite(positions).all() and np.abs(positions).sum(axis=1).min() > 0 else None


def topomaps(filters_VC: np.ndarray, channels: list[str], sfreq: float, title: str) -> Figure | None:
    """One scalp map per row of ``filters_VC`` (its weight on each channel); None when the
    channels have no standard positions."""
    import mne

    info = scalp_info(channels, sfreq)
    if info is None:
        return None
    columns = min(len(filters_VC), 8)
    rows = math.ceil(len(filters_VC) / columns)
    figure = Figure(figsize=(1.8 * columns, 1.9 * rows + 0.5), layout="constrained")
    for index, weights_C in enumerate(filters_VC):
        axes = figure.add_subplot(rows, columns, index + 1)
        mne.viz.plot_topomap(weights_C, info, axes=axes, show=False, contours=0, sensors=True)
        axes.set_title(str(index), fontsize="small")
    figure.suptitle(title)
    return figure


def frequency_responses(kernels_FK: np.ndarray, sfreq: float, filters_per_channel: int) -> Figure:
    """|H(f)| in dB of each temporal kernel, one panel per virtual channel."""
    groups = max(1, len(kernels_FK) // filters_per_channel)
    columns = min(groups, 4)
    rows = math.ceil(groups / columns)
    figure = Figure(figsize=(3.2 * columns, 2.4 * rows + 0.5), layout="constrained")
    for group in range(groups):
        axes = figure.add_subplot(rows, columns, group + 1)
        for kernel_K in kernels_FK[group * filters_per_channel : (group + 1) * filters_per_channel]:
            freqs, response = signal.freqz(kernel_K, worN=512, fs=sfreq)
            axes.plot(freqs, 20 * np.log10(np.maximum(np.abs(response), 1e-12)), linewidth=1)
        axes.set_title(f"virtual channel {group}", fontsize="small")
        axes.set_xlabel("Hz")
        axes.set_ylabel("gain (dB)")
    figure.suptitle("temporal filters: frequency responses")
    return figure


def unit_channel_weights(W_HN: np.ndarray, n_channels: int) -> np.ndarray:
    """(h, c) RMS over time of each unit's weights on each channel of channel-major raw windows."""
    return np.sqrt(np.mean(W_HN.reshape(len(W_HN), n_channels, -1) ** 2, axis=2))
