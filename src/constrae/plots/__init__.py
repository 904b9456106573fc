"""Figures (matplotlib, written as PNG) and plain-text tables."""
