"""Throwaway PostgreSQL and MariaDB servers for tests and for building the sample dumps.

    with postgres_server() as pg:          # or mariadb_server()
        subprocess.run(pg.client_args("-c", "select 1"), env=pg.env(), check=True)
        engine = sqlalchemy.create_engine(pg.url)

Each server lives in its own temp dir, listens on 127.0.0.1 on a free port, and is stopped and
deleted on exit. Missing binaries are installed from Debian (`apt-get`) when running as root;
when a server truly cannot start, `ServerUnavailable(reason)` is raised so tests can
`pytest.skip(str(e))`. Run `python scripts/dbservers.py` to start both and print versions.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

HOST = "127.0.0.1"
USER = "rawtune"
PASSWORD = "rawtune-pw"
DBNAME = "rawtune"
START_TIMEOUT = 60.0


class ServerUnavailable(RuntimeError):
    """A throwaway database server could not be started; the message says why."""


@dataclass(frozen=True)
class DbServer:
    """Where a running throwaway server listens, and its client tools."""

    kind: str  # "postgresql" | "mariadb"
    host: str
    port: int
    user: str
    password: str
    dbname: str
    url: str  # SQLAlchemy URL
    dump_tool: str  # pg_dump | mysqldump (mariadb-dump)
    client_tool: str  # psql | mysql (mariadb)
    socket_dir: str
    version: str = ""
    tools: dict[str, str] = field(default_factory=dict)  # conventional name -> path

    def env(self) -> dict[str, str]:
        """Environment for the client tools: the password without putting it on the command line."""
        env = dict(os.environ)
        env["PGPASSWORD" if self.kind == "postgresql" else "MYSQL_PWD"] = self.password
        return env

    def _conn_args(self) -> list[str]:
        if self.kind == "postgresql":
            return ["-h", self.host, "-p", str(self.port), "-U", self.user]
        return ["--protocol=tcp", "-h", self.host, "-P", str(self.port), "-u", self.user]

    def client_args(self, *extra: str) -> list[str]:
        """argv for psql / mysql connected to the server's database; `extra` goes before the db."""
        if self.kind == "postgresql":
            return [self.client_tool, *self._conn_args(), "-X", "-v", "ON_ERROR_STOP=1",
                    *extra, "-d", self.dbname]  # fmt: skip
        return [self.client_tool, *self._conn_args(), "--default-character-set=utf8mb4",
                *extra, self.dbname]  # fmt: skip

    def dump_args(self, *extra: str) -> list[str]:
        """argv for pg_dump / mysqldump of the server's database; `extra` e.g. table options."""
        if self.kind == "postgresql":
            return [self.dump_tool, *self._conn_args(), *extra, self.dbname]
        return [self.dump_tool, *self._conn_args(), "--default-character-set=utf8mb4",
                *extra, self.dbname]  # fmt: skip

    def run_sql(self, sql: str, *extra: str) -> str:
        """Run SQL text through the command-line client; return its stdout (raises on error)."""
        proc = subprocess.run(
            self.client_args(*extra), input=sql, env=self.env(), capture_output=True, text=True
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{self.kind} client failed: {proc.stderr.strip()}")
        return proc.stdout


# ---------------------------------------------------------------- helpers


def free_port() -> int:
    """A TCP port on loopback that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _apt_install(*packages: str) -> None:
    """Install Debian packages (root only); ServerUnavailable if that is not possible."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ServerUnavailable(f"{' '.join(packages)} not installed and apt-get not usable here")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    lock = ["-o", "DPkg::Lock::Timeout=300"]
    install = ["apt-get", *lock, "install", "-y", "-qq", "--no-install-recommends", *packages]
    if subprocess.run(install, env=env, capture_output=True).returncode == 0:
        return
    subprocess.run(["apt-get", *lock, "update", "-qq"], env=env, capture_output=True)
    proc = subprocess.run(install, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["?"]
        raise ServerUnavailable(f"apt-get install {' '.join(packages)} failed: {tail[0]}")


def _tail(path: Path, n: int = 5) -> str:
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return " | ".join(lines[-n:])


def _rmtree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------- PostgreSQL


def _pg_bindir() -> Path | None:
    """Highest installed /usr/lib/postgresql/N/bin with initdb (Debian), else pg_ctl on PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _pg_run(argv: list[str], owner: tuple[int, int] | None, **kw) -> subprocess.CompletedProcess:
    """Run a PostgreSQL server tool, as `owner` (uid, gid) when given."""
    if owner is not None:
        kw.update(user=owner[0], group=owner[1], extra_groups=[])
    return subprocess.run(argv, capture_output=True, text=True, **kw)


@contextlib.contextmanager
def postgres_server() -> Iterator[DbServer]:
    """A throwaway PostgreSQL server; yields its DbServer, stops it and deletes its files on exit."""
    bindir = _pg_bindir()
    if bindir is None:
        _apt_install("postgresql")
        bindir = _pg_bindir()
        if bindir is None:
            raise ServerUnavailable("postgresql installed but initdb not found")
    # PostgreSQL refuses to run as root: run initdb/pg_ctl as the `postgres` user the package made.
    as_user: tuple[int, int] | None = None
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            raise ServerUnavailable("running as root and there is no `postgres` user") from None
        as_user = (pw.pw_uid, pw.pw_gid)
    tmp = Path(tempfile.mkdtemp(prefix="rawtune-pg-"))
    datadir, log, pwfile = tmp / "data", tmp / "server.log", tmp / "pw"
    started = False
    try:
        pwfile.write_text(PASSWORD + "\n")
        if as_user:
            for p in (tmp, pwfile):
                os.chown(p, *as_user)
        init = _pg_run(
            [str(bindir / "initdb"), "-D", str(datadir), "-U", USER, f"--pwfile={pwfile}",
             "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
             "--locale=C.UTF-8", "--no-sync"],
            as_user, cwd=tmp,
        )  # fmt: skip
        if init.returncode != 0:
            raise ServerUnavailable(f"initdb failed: {init.stderr.strip()[-300:]}")
        last_err = ""
        for _attempt in range(3):  # the free port can be taken between picking and binding
            port = free_port()
            opts = (
                f"-p {port} -k {tmp} -c listen_addresses={HOST} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off"
            )
            start = _pg_run(
                [str(bindir / "pg_ctl"), "start", "-w", "-t", str(int(START_TIMEOUT)),
                 "-D", str(datadir), "-l", str(log), "-o", opts],
                as_user, cwd=tmp,
            )  # fmt: skip
            if start.returncode == 0:
                started = True
                break
            last_err = _tail(log)
        if not started:
            raise ServerUnavailable(f"PostgreSQL did not start: {last_err}")
        server = DbServer(
            kind="postgresql",
            host=HOST,
            port=port,
            user=USER,
            password=PASSWORD,
            dbname=DBNAME,
            url=f"postgresql+psycopg://{USER}:{PASSWORD}@{HOST}:{port}/{DBNAME}",
            dump_tool=str(bindir / "pg_dump"),
            client_tool=str(bindir / "psql"),
            socket_dir=str(tmp),
            tools={n: str(bindir / n) for n in ("pg_dump", "psql", "pg_restore")},
        )
        create = subprocess.run(
            [server.client_tool, *server._conn_args(), "-X", "-d", "postgres", "-c",
             f"CREATE DATABASE {DBNAME} ENCODING 'UTF8' TEMPLATE template0"],
            env=server.env(), capture_output=True, text=True,
        )  # fmt: skip
        if create.returncode != 0:
            raise ServerUnavailable(f"PostgreSQL: cannot create database: {create.stderr.strip()}")
        version = server.run_sql("SHOW server_version;", "-tA").strip()
        yield replace(server, version=f"PostgreSQL {version}")
    finally:
        if started:
            _pg_run(
                [str(bindir / "pg_ctl"), "stop", "-D", str(datadir), "-m", "immediate", "-w"],
                as_user,
                cwd=tmp,
            )
        _rmtree(tmp)


# ---------------------------------------------------------------- MariaDB


def _mariadb_bins() -> dict[str, str] | None:
    """Paths of the MariaDB server, installer, client and dump tools, or None if any is missing."""
    names = {
        "mariadbd": ("mariadbd", "mysqld"),
        "install_db": ("mariadb-install-db", "mysql_install_db"),
        "mysql": ("mariadb", "mysql"),
        "mysqldump": ("mariadb-dump", "mysqldump"),
    }
    path = os.environ.get("PATH", "") + ":/usr/sbin:/usr/local/sbin"
    found: dict[str, str] = {}
    for key, options in names.items():
        hit = next(
            (shutil.which(o, path=path) for o in options if shutil.which(o, path=path)), None
        )
        if hit is None:
            return None
        found[key] = hit
    return found


@contextlib.contextmanager
def mariadb_server() -> Iterator[DbServer]:
    """A throwaway MariaDB server; yields its DbServer, stops it and deletes its files on exit."""
    bins = _mariadb_bins()
    if bins is None:
        _apt_install("mariadb-server", "mariadb-client")
        bins = _mariadb_bins()
        if bins is None:
            raise ServerUnavailable("mariadb-server installed but mariadbd not found")
    tmp = Path(tempfile.mkdtemp(prefix="rawtune-mariadb-"))
    datadir, sock, log = tmp / "data", tmp / "mysqld.sock", tmp / "server.log"
    user_args = ["--user=root"] if os.geteuid() == 0 else []
    proc: subprocess.Popen | None = None
    try:
        init = subprocess.run(
            [bins["install_db"], "--no-defaults", f"--datadir={datadir}", *user_args,
             "--auth-root-authentication-method=normal", "--skip-test-db",
             "--skip-name-resolve"],
            capture_output=True, text=True, cwd=tmp,
        )  # fmt: skip
        if init.returncode != 0:
            raise ServerUnavailable(f"mariadb-install-db failed: {init.stderr.strip()[-300:]}")
        last_err = ""
        for _attempt in range(3):  # the free port can be taken between picking and binding
            port = free_port()
            proc = subprocess.Popen(
                [bins["mariadbd"], "--no-defaults", f"--datadir={datadir}", f"--socket={sock}",
                 f"--port={port}", "--skip-networking=0", f"--bind-address={HOST}",
                 f"--pid-file={tmp / 'mysqld.pid'}", f"--log-error={log}", *user_args,
                 "--skip-name-resolve", "--skip-log-bin", "--innodb-buffer-pool-size=32M",
                 "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0",
                 "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp,
            )  # fmt: skip
            if _wait_mariadb(bins["mysql"], sock, proc):
                break
            last_err = _tail(log)
            _stop(proc)
            proc = None
        if proc is None:
            raise ServerUnavailable(f"MariaDB did not start: {last_err}")
        root = [bins["mysql"], "--no-defaults", f"--socket={sock}", "-uroot"]
        setup = (
            f"CREATE DATABASE {DBNAME} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
            + "".join(
                f"CREATE USER '{USER}'@'{h}' IDENTIFIED BY '{PASSWORD}';"
                f"GRANT ALL ON *.* TO '{USER}'@'{h}';"
                for h in ("%", "localhost", HOST)
            )
            + "SELECT VERSION();"
        )
        out = subprocess.run([*root, "-N", "-e", setup], capture_output=True, text=True)
        if out.returncode != 0:
            raise ServerUnavailable(f"MariaDB: cannot create user/database: {out.stderr.strip()}")
        yield DbServer(
            kind="mariadb",
            host=HOST,
            port=port,
            user=USER,
            password=PASSWORD,
            dbname=DBNAME,
            url=f"mysql+pymysql://{USER}:{PASSWORD}@{HOST}:{port}/{DBNAME}?charset=utf8mb4",
            dump_tool=bins["mysqldump"],
            client_tool=bins["mysql"],
            socket_dir=str(tmp),
            version=f"MariaDB {out.stdout.strip()}",
            tools={"mysql": bins["mysql"], "mysqldump": bins["mysqldump"]},
        )
    finally:
        if proc is not None:
            _stop(proc)
        _rmtree(tmp)


def _wait_mariadb(client: str, sock: Path, proc: subprocess.Popen) -> bool:
    """Poll until the server answers on its socket; False if it exits or times out."""
    deadline = time.monotonic() + START_TIMEOUT
    argv = [client, "--no-defaults", f"--socket={sock}", "-uroot", "-N", "-e", "SELECT 1"]
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if sock.exists() and subprocess.run(argv, capture_output=True).returncode == 0:
            return True
        time.sleep(0.2)
    return False


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if the server does not exit within 20 seconds."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main() -> None:
    """Start both servers, print where they listen and their versions, stop them."""
    for starter in (postgres_server, mariadb_server):
        t0 = time.monotonic()
        try:
            with starter() as server:
                print(f"{server.version}  {server.url}  (up in {time.monotonic() - t0:.1f}s)")
                print(f"  client={server.client_tool}  dump={server.dump_tool}")
        except ServerUnavailable as e:
            print(f"{starter.__name__}: unavailable: {e}")


if __name__ == "__main__":
    main()
