"""scikit-learn estimators over EEG: what MNE, pyRiemann and MOABB pipelines take."""

from constrae.estimators.eeg import EEGAutoencoder

__all__ = ["EEGAutoencoder"]
