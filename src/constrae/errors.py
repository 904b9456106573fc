"""Errors raised for bad input. Each message names what is wrong and where."""


class ConstraeError(Exception):
    """Base class of every error constrae raises on purpose."""


class ConfigError(ConstraeError, ValueError):
    """A configuration key, name or value is not allowed."""


class DataError(ConstraeError, ValueError):
    """Input data has the wrong shape, is empty, or holds NaN/inf."""


class CheckpointError(ConstraeError):
    """A run folder or model file is missing, truncated or inconsistent."""


class OutputError(ConstraeError, OSError):
    """An output path cannot be written: a folder, an unwritable place, a file that is not a
    run where a run folder goes, or one of the command's own inputs."""


class StorageError(ConstraeError):
    """A campaign's storage cannot be used: an unreachable or malformed database URL, or a
    journal path that is a folder or a file that is not an Optuna journal."""


class UnsupportedError(ConstraeError):
    """A model uses a part (encoder, activation, gate) that an inference path cannot run."""


class StreamMismatchError(DataError):
    """A live stream's channels or sampling rate do not match what the model was trained on."""


class StreamLostError(ConstraeError):
    """A live stream went away and did not come back within the reconnect timeout."""


class StreamNotFoundError(ConstraeError, TimeoutError):
    """No live stream of the given name appeared in time."""
