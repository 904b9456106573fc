"""Benchmarks a user would run before trusting constrae: decoding accuracy against the
field's baselines on real recordings, and per-window latency."""
