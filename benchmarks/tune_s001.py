"""The phase 1 campaign on S001: accuracy against encode latency (see README, "Search campaigns").

    python benchmarks/tune_s001.py [--trials 40] [--workers 2] [--out reports/tune_s001]

Starts ``--workers`` processes of ``constrae tune examples/tune_s001.yaml`` on one journal
file, waits for them, then prints the Pareto front as a Markdown table with the wall time
and the machine's load, and writes the report next to the journal.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--study", default="s001_accuracy_latency")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "tune_s001")
    parser.add_argument("--held-out-only", action="store_true", help="Only re-score the stored study's front.")
    args = parser.parse_args()
    storage = str(args.out / "journal.log")
    if args.held_out_only:
        from constrae.tune.results import load_study

        print_held_out(*load_study(args.study, storage))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "constrae.cli",
        "tune",
        str(ROOT / "examples" / "tune_s001.yaml"),
        "--study",
        args.study,
        "--storage",
        storage,
        "--trials",
        str(args.trials),
    ]
    started = time.perf_counter()
    workers = [subprocess.Popen(command) for _ in range(args.workers)]
    codes = [worker.wait() for worker in workers]
    minutes = (time.perf_counter() - started) / 60
    if any(codes):
        sys.exit(f"a worker failed: exit codes {codes}")
    from constrae.tune.report import write_report
    from constrae.tune.results import front_table, load_study

    study, space = load_study(args.study, storage)
    print(f"\n{args.trials} trials, {args.workers} workers, {minutes:.1f} min wall, load average {os.getloadavg()}")
    print("\n".join(front_table(study, space)))
    for path in write_report(study, space, args.out):
        print(f"wrote {path}")
    print_held_out(study, space)


def print_held_out(study, space) -> None:
    """The front re-scored on folds 6-10 of the 10-fold protocol, which the search never saw.

    ShuffleSplit draws its splits one after another from one seeded generator, so the
    campaign's 5 folds are the first 5 of the 10; the best of many trials on the same folds
    is an optimistic estimate, the unseen folds are not."""
    from dataclasses import replace

    import numpy as np

    from constrae.bench.decode import splits_for
    from constrae.core.config import RunConfig
    from constrae.tune.eeg_folds import folds_of, measure_on_eeg
    from constrae.tune.results import front
    from constrae.tune.worker import CONFIG_ATTR

    searched = space.evaluation.folds
    ten = replace(space.evaluation, folds=2 * searched)
    n_trials = len(folds_of(ten.subject, ten.task, ten.folds, ten.representation)[0].y_N)
    assert all(
        np.array_equal(a[1], b[1]) for a, b in zip(splits_for(n_trials, searched), splits_for(n_trials, 2 * searched))
    )
    print(
        f"\nFront re-scored on the {searched} folds the search never saw "
        f"(folds {searched + 1}-{2 * searched} of {2 * searched}):"
    )
    print("| trial | accuracy (search folds) | accuracy (unseen folds) |\n|---|---|---|")
    for trial in front(study, space):
        config = RunConfig.from_mapping(trial.user_attrs[CONFIG_ATTR])
        unseen = measure_on_eeg(config, ten, ["accuracy"], None, fold_indices=list(range(searched, 2 * searched)))
        print(f"| {trial.number} | {trial.user_attrs['accuracy']:.4f} | {unseen['accuracy']:.4f} |")


if __name__ == "__main__":
    main()
