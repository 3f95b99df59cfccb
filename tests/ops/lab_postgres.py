"""A throwaway PostgreSQL server for the many-nodes test: initdb in a temporary folder.

It listens on the lab's address (TCP, for the nodes) and on a Unix socket in its folder
(for the test itself, which stays outside the namespaces). PostgreSQL refuses to run as
root, so as root the server runs as the `postgres` user.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from tests.ops.netlab import LabUnavailable, NetLab
from tests.ops.support import BackgroundProcess

READY = re.compile(r"database system is ready to accept connections")
PORT = 5432  # inside the lab's own namespace: nothing else listens there


def find_binaries() -> Path:
    """The folder holding initdb and postgres (Debian keeps them out of PATH)."""
    candidates = [shutil.which("initdb"), *sorted(
        (str(p) for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")), reverse=True)]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            folder = Path(os.path.realpath(candidate)).parent
            if (folder / "postgres").is_file():
                return folder
    raise LabUnavailable("PostgreSQL server binaries (initdb, postgres) are not installed")


class LabPostgres:
    def __init__(self, lab: NetLab, host: str) -> None:
        self.bin = find_binaries()
        self.address = lab.hosts[host]
        self.folder = Path(tempfile.mkdtemp(prefix="alliance-lab-pg-"))
        self.data = self.folder / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                raise LabUnavailable("running as root and there is no `postgres` user") from None
            if shutil.which("runuser") is None:
                raise LabUnavailable("running as root and `runuser` is missing")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        done = subprocess.run([*self.as_user, str(self.bin / "initdb"), "-D", str(self.data),
                               "-U", "postgres",
                               "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"],
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr[-2000:]}")
        with (self.data / "pg_hba.conf").open("a") as hba:
            hba.write("host all all 198.18.0.0/15 trust\n")
        self.process: BackgroundProcess = lab.spawn(host, [
            *self.as_user, str(self.bin / "postgres"), "-D", str(self.data), "-p", str(PORT),
            "-c", f"listen_addresses={self.address}", "-c", f"unix_socket_directories={self.folder}",
            "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=200",
            "-c", "shared_buffers=128MB"], cwd=self.folder, env=dict(os.environ))
        self.process.wait_for(READY, timeout=60)

    def url(self, database: str, *, via_socket: bool) -> str:
        if via_socket:
            return f"postgresql+psycopg://postgres@/{database}?host={self.folder}&port={PORT}"
        return f"postgresql+psycopg://postgres@{self.address}:{PORT}/{database}"

    def stop(self) -> None:
        self.process.stop(timeout=20, sig=signal.SIGINT)  # fast shutdown: clients are cut off
        shutil.rmtree(self.folder, ignore_errors=True)
