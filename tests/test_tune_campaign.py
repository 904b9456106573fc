"""A real campaign on a journal file: two worker processes, export and retrain, report, resume, crash, dashboard."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import optuna
import pytest
import yaml

from constrae.io.run_folder import read_metrics
from tune_workers import kill_mid_trial, retried_from, start_worker, trials_of, wait_all, write_space

State = optuna.trial.TrialState
pytestmark = pytest.mark.slow


def constrae(*args, cwd=None) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "constrae.cli", *args], capture_output=True, text=True, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result


def test_two_workers_on_a_journal_finish_the_study_exactly_and_the_export_retrains_to_the_same_score(tmp_path):
    space, storage = write_space(tmp_path), str(tmp_path / "tune.journal")
    logs = [tmp_path / f"worker{i}.log" for i in range(2)]
    workers = [start_worker(space, "tiny", storage, 6, log) for log in logs]
    wait_all(workers, logs)

    trials = trials_of("tiny", storage)
    complete = [t for t in trials if t.state == State.COMPLETE]
    assert len(complete) == 6
    assert len({t.number for t in complete}) == 6
    assert all(t.state in (State.COMPLETE,) or t.user_attrs.get("surplus") for t in trials)
    # Which worker takes which trial is the scheduler's choice (a worker that starts late may find the
    # study done); each trial must come from one of the two, and each exactly once (above).
    assert {t.user_attrs["worker"] for t in complete} <= {f"{socket.gethostname()}:{w.pid}" for w in workers}
    assert len({json.dumps(t.params, sort_keys=True) for t in complete}) == 6

    # Export the best-FVU trial of the front and retrain it with `constrae train`.
    exported = tmp_path / "best.yaml"
    constrae("tune", "export", "--study", "tiny", "--storage", storage, "-o", str(exported))
    best = min((t for t in complete), key=lambda t: t.values[0])
    assert f"trial {best.number}" in exported.read_text().splitlines()[0]
    constrae("train", str(exported), "--out", str(tmp_path / "retrained"), "--no-plots", "--no-progress")
    retrained_fvu = read_metrics(tmp_path / "retrained")[-1]["val/fvu"]
    assert retrained_fvu == pytest.approx(best.user_attrs["fvu"], rel=1e-4)
    assert yaml.safe_load(exported.read_text())["train"]["seed"] == 1

    # The report: front table printed, figures and the page written.
    report = constrae("tune", "report", "--study", "tiny", "--storage", storage, "--out", str(tmp_path / "report"))
    assert f"| {best.number} |" in report.stdout
    for name in ("report.html", "pareto_front.png", "history_fvu.png", "importance_fvu.png"):
        assert (tmp_path / "report" / name).stat().st_size > 1000, name
    page = (tmp_path / "report" / "report.html").read_text()
    assert 'src="pareto_front.png"' in page and "not drawn" not in page

    # Resumed with a larger N, the study keeps its trials and continues to N.
    log = tmp_path / "resume.log"
    wait_all([start_worker(space, "tiny", storage, 8, log)], [log])
    after = [t for t in trials_of("tiny", storage) if t.state == State.COMPLETE]
    assert len(after) == 8
    assert {t.number: t.values for t in complete}.items() <= {t.number: t.values for t in after}.items()


def test_a_killed_journal_worker_has_its_trial_failed_and_retried_by_the_other(tmp_path):
    space, storage = write_space(tmp_path), str(tmp_path / "tune.journal")
    logs = [tmp_path / f"worker{i}.log" for i in range(2)]
    victim = start_worker(space, "crash", storage, 5, logs[0])
    killed = kill_mid_trial(victim, "crash", storage)
    survivor = start_worker(space, "crash", storage, 5, logs[1])
    wait_all([survivor], [logs[1]])

    trials = {t.number: t for t in trials_of("crash", storage)}
    assert trials[killed].state == State.FAIL
    retries = [t for t in trials.values() if retried_from(t) == killed]
    assert len(retries) == 1 and retries[0].state == State.COMPLETE
    assert retries[0].params == trials[killed].params
    assert sum(t.state == State.COMPLETE for t in trials.values()) == 5
    assert not [t for t in trials.values() if t.state in (State.RUNNING, State.WAITING)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_optuna_dashboard_serves_the_same_journal(tmp_path):
    space, storage = write_space(tmp_path), str(tmp_path / "tune.journal")
    log = tmp_path / "worker.log"
    wait_all([start_worker(space, "dash", storage, 2, log)], [log])
    port = free_port()
    dashboard = subprocess.Popen(
        [str(Path(sys.executable).parent / "optuna-dashboard"), storage, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline, studies = time.monotonic() + 60, None
        while studies is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/studies", timeout=5) as response:
                    studies = json.load(response)["study_summaries"]
            except OSError:
                time.sleep(0.5)
        assert studies is not None, "optuna-dashboard did not answer within 60 s"
        (study,) = studies
        assert study["study_name"] == "dash"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/studies/{study['study_id']}", timeout=5) as response:
            detail = json.load(response)
        assert len(detail["trials"]) == 2 and {t["state"] for t in detail["trials"]} == {"Complete"}
    finally:
        dashboard.terminate()
        dashboard.wait(timeout=10)
