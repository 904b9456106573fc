"""EEG data: recordings from files, causal filters, windows and epochs, channel standardisation.

Everything here works on plain numpy arrays; MNE is used only to read files.
Shapes: ``c`` channels, ``t`` samples, ``n`` windows or epochs, ``e`` events.
"""

from constrae.data.preprocessing import EEGConfig, Preprocessing
from constrae.data.reading import read_recording
from constrae.data.recording import Events, Recording

__all__ = ["EEGConfig", "Events", "Preprocessing", "Recording", "read_recording"]
