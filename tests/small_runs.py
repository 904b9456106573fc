"""Small tangent-space runs on the shared recordings, for tests that need a trained EEG model."""

from pathlib import Path

from constrae import RunConfig
from constrae.io.run import start_run

MOTOR_CHANNELS = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Fz"]


def run04(shared_data: Path, subject: str) -> str:
    return str(shared_data / "eegmmidb" / subject / f"{subject}R04.edf")


def train_tangent_run(
    out: Path, shared_data: Path, subjects: list[str], channels: list[str], hidden_size: int = 6, **eeg
) -> Path:
    """A ReLU AE on the tangent vectors of each subject's run 4, trained for 2 epochs into ``out``:
    on ``data.paths`` for one subject, a population run (``data.subjects``) for several."""
    recordings = [run04(shared_data, s) for s in subjects]
    data = {"paths": recordings} if len(subjects) == 1 else {"subjects": [[path] for path in recordings]}
    mapping = {
        "model": {"hidden_size": hidden_size, "activation": "relu"},
        "train": {"epochs": 2, "batch_size": 32, "val_fraction": 0.0},
        "data": {
            "source": "eeg",
            **data,
            "eeg": {"hop_seconds": 0.5, "channels": channels, "representation": "tangent_space", **eeg},
        },
    }
    start_run(RunConfig.from_mapping(mapping), out, progress=False)
    return out
