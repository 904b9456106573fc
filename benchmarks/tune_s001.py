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
    args = parser.parse_args()
    storage = str(args.out / "journal.log")
    args.out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "constrae.cli", "tune", str(ROOT / "examples" / "tune_s001.yaml"),
               "--study", args.study, "--storage", storage, "--trials", str(args.trials)]
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


if __name__ == "__main__":
    main()
