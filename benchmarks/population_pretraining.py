"""Population pretraining as the population grows: wall time of reading and aligning the
people, of training, and peak memory, for 1, 3 and 9 subjects of the shared eegmmidb data.

Each size runs in a fresh process (peak RSS is per process): the tangent-space sparse AE of
``examples/population_tangent.yaml`` (2080 -> 256 ReLU, L1) on every 1 s window (hop 0.5 s) of
the subjects' imagined left/right runs (4, 8, 12), 30 epochs. The last lines extrapolate
linearly to the 109 subjects of the full database (same three runs each, and all 14 runs).

    python benchmarks/population_pretraining.py [--sizes 1 3 9] [--epochs 30]
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

SUBJECTS = ["S001", "S012", "S013", "S014", "S015", "S016", "S017", "S018", "S019"]
EEGMMIDB = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "eegmmidb"
RUNS = (4, 8, 12)
DATABASE_SUBJECTS, DATABASE_RUNS = 109, 14


def config_mapping(n_subjects: int, epochs: int) -> dict:
    people = [[str(EEGMMIDB / s / f"{s}R{run:02d}.edf") for run in RUNS] for s in SUBJECTS[:n_subjects]]
    return {
        "model": {"hidden_size": 256, "activation": "relu"},
        "constraints": [{"name": "l1_codes", "lam": 0.001}],
        "train": {"epochs": epochs, "lr": 0.001, "batch_size": 64, "val_fraction": 0.0},
        "data": {
            "source": "eeg",
            "subjects": people,
            "eeg": {"window_seconds": 1.0, "hop_seconds": 0.5, "representation": "tangent_space"},
        },
    }


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(n_subjects: int, epochs: int) -> None:
    """One size in this process; prints one JSON line."""
    import torch

    from constrae.core.build import build
    from constrae.core.config import RunConfig
    from constrae.core.trainer import Trainer
    from constrae.data.loading import load_training_data
    from constrae.io.run import with_input_size

    torch.set_num_threads(1)
    config = RunConfig.from_mapping(config_mapping(n_subjects, epochs))
    baseline = peak_mib()
    start = time.perf_counter()
    data = load_training_data(config.data)
    aligned_s = time.perf_counter() - start
    model, objective = build(with_input_size(config, data.X))
    start = time.perf_counter()
    Trainer(model, objective, with_input_size(config, data.X), progress=False).fit(
        torch.from_numpy(data.X), segment_starts=data.segment_starts
    )
    record = {
        "subjects": n_subjects,
        "windows": len(data.X),
        "pool_mib": data.X.nbytes / 2**20,
        "read_align_s": aligned_s,
        "train_s": time.perf_counter() - start,
        "peak_mib": peak_mib(),
        "imports_mib": baseline,
    }
    print(json.dumps(record))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 3, 9])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.epochs)
        return
    records = []
    for size in args.sizes:
        command = [sys.executable, __file__, "--child", str(size), "--epochs", str(args.epochs)]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        records.append(json.loads(out.strip().splitlines()[-1]))
        print(f"{size} subjects done", file=sys.stderr)
    print(
        "| subjects | windows | pool (MiB) | read + align (s) | train (s) | RSS after imports (MiB) | peak RSS (MiB) |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in records:
        print(
            f"| {r['subjects']} | {r['windows']} | {r['pool_mib']:.0f} | {r['read_align_s']:.1f} | {r['train_s']:.1f} "
            f"| {r['imports_mib']:.0f} | {r['peak_mib']:.0f} |"
        )
    if len(records) >= 2:
        first, last = records[0], records[-1]
        added = last["subjects"] - first["subjects"]
        per_subject = {
            key: (last[key] - first[key]) / added for key in ("read_align_s", "train_s", "peak_mib", "pool_mib")
        }
        print("\nper subject added: " + ", ".join(f"{key} {value:.2f}" for key, value in per_subject.items()))
        for runs in (len(RUNS), DATABASE_RUNS):
            scale = (DATABASE_SUBJECTS - last["subjects"]) * runs / len(RUNS)
            estimate = {key: last[key] + scale * value for key, value in per_subject.items()}
            print(
                f"109 subjects x {runs} runs (linear): read + align {estimate['read_align_s'] / 60:.0f} min, "
                f"train {estimate['train_s'] / 60:.0f} min ({args.epochs} epochs), "
                f"peak {estimate['peak_mib'] / 1024:.1f} GiB (pool {estimate['pool_mib'] / 1024:.1f} GiB)"
            )


if __name__ == "__main__":
    main()
