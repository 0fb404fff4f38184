"""Database faults mid-batch: the sender's sessions terminated, the server restarted.

The sender must stop or recover cleanly (an exit code, no hang), and a rerun must finish the batch with
the property intact. The restart runs on a private PostgreSQL cluster of its own (the shared test server
is never restarted).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from sender.db import Database
from sender.installer import install
from tests.monday_double import Faults

from . import harness as H

pytestmark = pytest.mark.faults

CELLS = max(300, H.CELLS // 4)


def _sent(db: Database, batch_ids: list[str]) -> int:
    marks = ", ".join("?" for _ in batch_ids)
    return int(db.scalar(f"SELECT COUNT(*) FROM dbo.MON_UpdateQueue WHERE queue_status = 'SENT' "
                         f"AND batch_id IN ({marks})", batch_ids))


def _wait_for_progress(db: Database, world: H.World, proc: subprocess.Popen, rows: int, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        if _sent(db, world.batch_ids) >= rows:
            return
        time.sleep(0.05)
    raise AssertionError(f"the sender made no progress (exit {proc.poll()})")


def _check_clean_exit(code: int, log: Path) -> None:
    text = log.read_text(encoding="utf-8", errors="replace")
    assert code != -9, "the sender hung after the database fault (killed by the suite)"
    assert "Traceback" not in text, "the sender died with a traceback:\n" + H.tail(log, 60)


def test_sessions_terminated_mid_batch(db, tmp_path):
    double = H.start_double(faults=Faults(latency=0.03, latency_jitter=0.02))
    try:
        world = H.prepare(db, double, CELLS, seed=H.SEED + 10)
        log = tmp_path / "sender.log"
        env = H.sender_env(db.dsn, double, tmp_path, lease_seconds=2, claim_size=10)
        proc = H.spawn_sender(env, ["send", "--execute"], log)
        _wait_for_progress(db, world, proc, 30)
        killed = db.scalar("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        code = H.wait_sender(proc, 120)
        _check_clean_exit(code, log)
        left = H.open_rows(db, world.batch_ids)
        time.sleep(2.1)  # the leases of the interrupted claims expire
        codes = H.finish_batches(db, env, world.batch_ids, log)
        problems = H.check_property(db, world)
        assert not problems, H.summary(problems) + "\n" + H.tail(log)
        print(f"\nterminated {killed} sessions; sender exit {code}; {left} rows open after it; reruns {codes}")
    finally:
        double.stop()


# ---------------------------------------------------------------------------------------------- restart

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateCluster:
    """A throwaway PostgreSQL cluster (initdb as the postgres user) that a test may restart."""

    def __init__(self) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
        if not bins or os.geteuid() != 0 or not shutil.which("runuser"):
            pytest.skip("needs root, runuser and a PostgreSQL installation")
        self.bin = bins[-1]
        self.root = Path(tempfile.mkdtemp(prefix="opus-faults-pg-"))
        shutil.chown(self.root, "postgres", "postgres")
        self.data = self.root / "data"
        self.port = _free_port()
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                 "--locale=C.UTF-8")
        self.start()

    def _pg(self, tool: str, *args: str, timeout: float = 120) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin / tool), *args], check=True,
                       capture_output=True, timeout=timeout)

    def _ctl(self, action: str, *extra: str) -> None:
        opts = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c timezone=UTC")
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60",
                 "-o", opts, *extra, action)

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def dsn(self, database: str) -> str:
        return (f"DRIVER={{PostgreSQL Unicode}};SERVER=127.0.0.1;PORT={self.port};DATABASE={database};"
                "UID=postgres;PWD=;")

    def close(self) -> None:
        try:
            self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


def test_server_restarted_mid_batch(tmp_path):
    cluster = PrivateCluster()
    double = H.start_double(faults=Faults(latency=0.03, latency_jitter=0.02))
    try:
        with Database(cluster.dsn("postgres")) as admin:
            admin.execute("CREATE DATABASE opus_restart")
        dsn = cluster.dsn("opus_restart")
        with Database(dsn) as db0:
            install(db0)
        db = Database(dsn).connect()
        world = H.prepare(db, double, CELLS, seed=H.SEED + 11)
        log = tmp_path / "sender.log"
        env = H.sender_env(dsn, double, tmp_path, lease_seconds=2, claim_size=10)
        proc = H.spawn_sender(env, ["send", "--execute"], log)
        _wait_for_progress(db, world, proc, 30)
        db.close()
        cluster.restart()
        code = H.wait_sender(proc, 120)
        _check_clean_exit(code, log)
        db = Database(dsn).connect()
        time.sleep(2.1)
        codes = H.finish_batches(db, env, world.batch_ids, log)
        problems = H.check_property(db, world)
        db.close()
        assert not problems, H.summary(problems) + "\n" + H.tail(log)
        print(f"\nserver restarted mid-batch; sender exit {code}; reruns {codes}")
    finally:
        double.stop()
        cluster.close()
