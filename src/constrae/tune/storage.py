"""Where a study lives, and how a crashed worker's trial is found and retried.

- A file path: Optuna's journal file, locked so that several worker processes on one host
  can share it; no server. Journal storage has no heartbeat in Optuna 5, so each worker
  stamps its trials with host and process id, and a worker on the same host fails the
  RUNNING trials of processes that no longer exist and enqueues them again.
- A database URL (``postgresql://user@host:port/db``, ``sqlite:///file.db``): Optuna's
  RDB storage with a heartbeat; a trial whose worker stopped beating for GRACE_SECONDS is
  failed by the next worker that looks, and enqueued again (RetryHeartbeatStaleTrialCallback).
"""

import json
import os
import socket
import time
import warnings
from pathlib import Path

from constrae.errors import StorageError
from constrae.tune._imports import optuna as import_optuna

HEARTBEAT_SECONDS = 2
GRACE_SECONDS = 10
MAX_RETRIES = 3
TABLE_CREATION_ATTEMPTS = 3
JOURNAL_LINE_START = b'{"op_code"'
"""How every line Optuna writes to a journal begins, a cut-short last one included."""
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
    check_journal(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StorageError(f"--storage {path}: cannot make its folder: {error.strerror or error}") from error
    journal = optuna.storages.journal
    # The open-lock (O_EXCL lock file) works on every local file system; symlinks do not.
    backend = journal.JournalFileBackend(str(path), lock_obj=journal.JournalFileOpenLock(str(path)))
    return optuna.storages.JournalStorage(backend)


def check_journal(path: Path) -> None:
    """StorageError unless ``path`` is missing, empty, or an Optuna journal: one JSON operation
    per line (the last may be cut short by a killed writer). Nothing is appended to a file
    that is not a journal."""
    if path.is_dir():
        raise StorageError(f"--storage {path} is a folder; give a journal file (or a database URL)")
    if not path.exists():
        return
    try:
        lines = path.read_bytes().split(b"\n")
    except OSError as error:
        raise StorageError(f"--storage {path}: cannot be read: {error.strerror or error}") from error
    for number, line in enumerate(lines[:-1], start=1):
        try:
            operation = json.loads(line)
        except (ValueError, RecursionError):
            operation = None
        if not isinstance(operation, dict) or "op_code" not in operation:
            raise StorageError(f"--storage {path} is not an Optuna journal: line {number} is not a journal operation")
    if lines[-1] and not lines[-1].startswith(JOURNAL_LINE_START):
        raise StorageError(f"--storage {path} is not an Optuna journal: line {len(lines)} is not a journal operation")


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
                    url,
                    heartbeat_interval=HEARTBEAT_SECONDS,
                    grace_period=GRACE_SECONDS,
                    heartbeat_stale_trial_callback=retry_callback(),
                )
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError) as error:
            if attempt == TABLE_CREATION_ATTEMPTS - 1:
                raise StorageError(
                    f"--storage {safe_url(url)}: cannot create the study tables: {first_line(error)}"
                ) from error
            time.sleep(1.0)
        except (sqlalchemy.exc.SQLAlchemyError, ValueError, ImportError) as error:
            raise StorageError(f"--storage {safe_url(url)}: cannot open it: {first_line(error)}") from error
    raise AssertionError("unreachable: the last attempt returns or raises")


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    import sqlalchemy.engine

    try:
        return sqlalchemy.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # not even a URL: say it as given, it holds nothing parseable to hide
        return url


def first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


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
