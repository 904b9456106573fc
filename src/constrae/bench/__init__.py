"""Benchmarks behind ``constrae bench``: each module times or scores one thing and returns typed results."""
