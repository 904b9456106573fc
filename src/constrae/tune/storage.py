"""Where a study lives, and how a crashed worker's trial is found and retried.

- A file path: Optuna's journal file, locked so that several worker processes on one host
  can share it; no server. Journal storage has no heartbeat in Optuna 5, so each worker
  stamps its trials with host and process id, and a worker on the same host fails the
  RUNNING trials of processes that no longer exist and enqueues them again.
- A database URL (``postgresql://user@host:port/db``, ``sqlite:///file.db``): Optuna's
  RDB storage with a heartbeat; a trial whose worker stopped beating for GRACE_SECONDS is
  failed by the next worker that looks, and enqueued again (RetryHeartbeatStaleTrialCallback).
"""

import os
import socket
import time
import warnings
from pathlib import Path

from constrae.tune._imports import optuna as import_optuna

HEARTBEAT_SECONDS = 2
GRACE_SECONDS = 10
MAX_RETRIES = 3
TABLE_CREATION_ATTEMPTS = 3
WORKER_ATTR = "worker"
"""User attribute of every trial: 'host:pid' of the process running it."""


def is_database_url(storage: str) -> bool:
    return "://" in storage


def open_storage(storage: str):
    """The Optuna storage named by ``storage`` (a journal file path or a database URL)."""
    optuna = import_optuna()
    if is_database_url(storage):
        return _open_database(storage)
    path = Path(storage)
    path.parent.mkdir(parents=True, exist_ok=True)
    journal = optuna.storages.journal
    # The open-lock (O_EXCL lock file) works on every local file system; symlinks do not.
    backend = journal.JournalFileBackend(str(path), lock_obj=journal.JournalFileOpenLock(str(path)))
    return optuna.storages.JournalStorage(backend)


def _open_database(url: str):
    """RDBStorage with a heartbeat. Workers started together race to create the tables; the
    loser's CREATE fails, and on a second look the tables are there."""
    optuna = import_optuna()
    import sqlalchemy.exc

    for attempt in range(TABLE_CREATION_ATTEMPTS):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # heartbeats are experimental
                return optuna.storages.RDBStorage(
                    url, heartbeat_interval=HEARTBEAT_SECONDS, grace_period=GRACE_SECONDS,
                    heartbeat_stale_trial_callback=retry_callback(),
                )
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError):
            if attempt == TABLE_CREATION_ATTEMPTS - 1:
                raise
            time.sleep(1.0)


def retry_callback():
    """Optuna's callback that enqueues a failed trial's parameters again (experimental in Optuna 5)."""
    optuna = import_optuna()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRIES)


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_dead_local_trials(study) -> list[int]:
    """Fail and re-enqueue RUNNING trials of this host's processes that have died; their numbers.

    Only for storages without a heartbeat; a process id reused since is taken as alive."""
    optuna = import_optuna()
    host = socket.gethostname()
    failed = []
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        worker_host, _, pid = str(trial.user_attrs.get(WORKER_ATTR, "")).rpartition(":")
        if worker_host != host or not pid.isdigit() or _process_exists(int(pid)):
            continue
        try:
            changed = study._storage.set_trial_state_values(trial._trial_id, state=optuna.trial.TrialState.FAIL)
        except optuna.exceptions.UpdateFinishedTrialError:
            continue  # another worker failed it first
        if changed:
            retry_callback()(study, study._storage.get_trial(trial._trial_id))
            failed.append(trial.number)
    return failed


def fail_stale_trials(study, storage: str) -> None:
    """Fail the trials of crashed workers (heartbeat or dead process) so that they are retried."""
    optuna = import_optuna()
    if is_database_url(storage):
        optuna.storages.fail_stale_trials(study)
    else:
        fail_dead_local_trials(study)
