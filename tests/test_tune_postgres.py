"""Workers on many machines share a PostgreSQL study; a worker killed mid-trial is detected by its heartbeat."""

import time

import optuna
import pytest

import postgres_server
from constrae.tune.storage import GRACE_SECONDS
from tune_workers import kill_mid_trial, retried_from, start_worker, trials_of, wait_all, write_space

State = optuna.trial.TrialState
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def postgres_url():
    bin_dir = postgres_server.binaries()
    if bin_dir is None:
        pytest.skip(
            "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or on PATH; "
            ".ci/run installs Debian's postgresql package"
        )
    server, reason = postgres_server.start(bin_dir)
    if server is None:
        pytest.skip(f"PostgreSQL could not be started: {reason}")
    yield server.url
    postgres_server.stop(server, bin_dir)


def test_a_worker_killed_mid_trial_is_failed_by_heartbeat_and_its_trial_retried(tmp_path, postgres_url):
    space = write_space(tmp_path)
    logs = [tmp_path / f"worker{i}.log" for i in range(2)]
    victim = start_worker(space, "pg", postgres_url, 8, logs[0])
    survivor = start_worker(space, "pg", postgres_url, 8, logs[1])
    killed = kill_mid_trial(victim, "pg", postgres_url)
    killed_at = time.monotonic()
    wait_all([survivor], [logs[1]])

    trials = {t.number: t for t in trials_of("pg", postgres_url)}
    assert trials[killed].state == State.FAIL
    # Failed by the survivor once the dead worker's heartbeat was older than the grace period.
    assert time.monotonic() - killed_at >= GRACE_SECONDS
    retries = [t for t in trials.values() if retried_from(t) == killed]
    assert len(retries) == 1 and retries[0].state == State.COMPLETE
    assert retries[0].params == trials[killed].params
    complete = [t for t in trials.values() if t.state == State.COMPLETE]
    assert len(complete) == 8 and len({t.number for t in complete}) == 8
    assert not [t for t in trials.values() if t.state in (State.RUNNING, State.WAITING)]
    assert all(
        t.state in (State.COMPLETE,) or t.number == killed or t.user_attrs.get("surplus") for t in trials.values()
    )
