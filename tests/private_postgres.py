"""A throwaway PostgreSQL cluster of a test's own, for tests that restart the server (never the shared one).

    with private_cluster() as cluster:      # pytest.skip(...) when it cannot be started here
        url = cluster.url("postgres")
        cluster.restart()

The cluster is made with the server binaries of the installed PostgreSQL (`/usr/lib/postgresql/<v>/bin`
or `pg_config --bindir`), trust authentication, on a free loopback port, its socket in its own folder
and its data in a fresh temporary folder, all removed afterwards. PostgreSQL refuses to run as root: when
the tests run as root, the server commands run as the `postgres` user (`runuser`), who owns the folder.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        path = Path(out.stdout.strip())
        if (path / "pg_ctl").exists() and (path / "initdb").exists():
            return path
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    bindir: Path
    folder: Path
    port: int
    runas: list[str]

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _pg_ctl(self, *args: str, timeout: float = 60) -> None:
        cmd = [*self.runas, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w", "-t", "50", *args]
        # the server started inherits pg_ctl's output: a pipe would be held open by it (no EOF, a hang)
        done = subprocess.run(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"pg_ctl {' '.join(args)} failed: {done.stderr.strip()}\n{log}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-o", options, "-l", str(self.log), "start")

    def restart(self) -> None:
        """Stop (fast: open sessions are cut off, their transactions rolled back) and start again."""
        self._pg_ctl("-m", "fast", "-l", str(self.log), "restart")

    def stop(self) -> None:
        self._pg_ctl("-m", "immediate", "stop")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


@contextlib.contextmanager
def private_cluster() -> Iterator[Cluster]:
    """Start a cluster of the caller's own (skips the test, saying why, when that cannot be done)."""
    bindir = _bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) to start a private cluster")
    runas: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root with no `postgres` user to run a private PostgreSQL cluster")
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser to start PostgreSQL as `postgres`")
        runas = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="refugio-pg-"))
    try:
        if owner is not None:
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        init = subprocess.run(
            [*runas, str(bindir / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "postgres"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if init.returncode != 0:
            pytest.skip(f"initdb of a private PostgreSQL cluster failed: {init.stderr.strip()[-300:]}")
        cluster = Cluster(bindir, folder, _free_port(), runas)
        cluster.start()
        try:
            yield cluster
        finally:
            with contextlib.suppress(Exception):
                cluster.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


__all__ = ["Cluster", "private_cluster"]
