"""Real-time serving: a live EEG stream in, features (and commands) out.

``StreamingExtractor`` is the pure core (chunks in, codes of each hop out); the
LSL layer, the replay player and the CLI need the ``stream`` extra (pylsl).
"""

from constrae.stream.extractor import StreamFeatures, StreamingConfig, StreamingExtractor

__all__ = ["StreamFeatures", "StreamingConfig", "StreamingExtractor"]
