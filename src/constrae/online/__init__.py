"""Pseudo-online evaluation: replay a recording the model never saw, decide as it streams, and
score the decisions against the cues."""
