"""A throwaway PostgreSQL server on loopback for the multi-machine storage test.

It runs the Debian package's binaries (installed by .ci/run) from a temporary data
folder owned by the ``postgres`` user, because PostgreSQL refuses to run as root.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple


class Server(NamedTuple):
    url: str
    data_dir: Path


def binaries() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl, else the PATH's."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(bin_dir: Path) -> tuple[Server | None, str]:
    """A running server and "", or None and the reason it could not be started."""
    as_user: list[str] = []
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            return None, "running as root and there is no 'postgres' user to run PostgreSQL as"
        as_user = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="constrae-pg-"))
    if owner is not None:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    data_dir, port = folder / "data", _free_port()
    steps = [
        [str(bin_dir / "initdb"), "-D", str(data_dir), "-U", "postgres", "-A", "trust", "--no-sync"],
        [
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data_dir),
            "-l",
            str(folder / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ],
    ]
    for step in steps:
        result = subprocess.run(as_user + step, capture_output=True, text=True)
        if result.returncode != 0:
            log = (folder / "server.log").read_text() if (folder / "server.log").exists() else ""
            shutil.rmtree(folder, ignore_errors=True)
            return None, f"{' '.join(step[:1])} failed ({result.returncode}): {result.stderr.strip()} {log.strip()}"
    return Server(f"postgresql://postgres@127.0.0.1:{port}/postgres", data_dir), ""


def stop(server: Server, bin_dir: Path) -> None:
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(
        as_user + [str(bin_dir / "pg_ctl"), "-D", str(server.data_dir), "-m", "immediate", "-w", "stop"],
        capture_output=True,
    )
    shutil.rmtree(server.data_dir.parent, ignore_errors=True)
