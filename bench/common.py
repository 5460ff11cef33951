"""Shared plumbing of the benchmark scripts: scratch databases, a real ``tenantry serve``
process, ``wrk`` runs with per-status accounting, CPU and memory of processes, statistics.

Nothing here imports server code: the benchmarks talk to Tenantry the way a user does
(the command line to start it, HTTP to use it). Only the seeding scripts touch the
database directly, to load data faster than any API could.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WRK_DIR = BENCH / "wrk"
CLIENT_ID = "bench-client"
CLIENT_SECRET = "bench-secret-0123456789abcdef"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- databases


def pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@contextmanager
def scratch_database(kind: str, name: str, keep: bool = False) -> Iterator[str]:
    """A new, empty database URL (``sqlite`` file in a temporary folder, or a PostgreSQL
    database called ``name``), dropped afterwards unless ``keep``."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix=f"{name}_")
        try:
            yield f"sqlite:///{folder}/tenantry.db"
        finally:
            if not keep:
                shutil.rmtree(folder, ignore_errors=True)
        return
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield pg_url(name)
    finally:
        if not keep:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    database_url: str

    @property
    def pid(self) -> int:
        return self.process.pid

    def token(self) -> str:
        response = httpx.post(
            f"{self.url}/oauth/token",
            data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
            timeout=30,
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token()}"}, timeout=60)


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENANTRY_")}
    env.update(
        TENANTRY_DATABASE_URL=database_url,
        TENANTRY_BOOTSTRAP_CLIENT_ID=CLIENT_ID,
        TENANTRY_BOOTSTRAP_CLIENT_SECRET=CLIENT_SECRET,
        # the benchmarks invite thousands into one organization within the hour
        TENANTRY_API_INVITATIONS_PER_ORGANIZATION_PER_HOUR="0",
    )
    env.update(extra)
    return env


@contextmanager
def running_server(database_url: str, *, workers: int = 1, pin: int | None = None, **env: str) -> Iterator[Server]:
    """``tenantry serve`` as an operator starts it (access log on, default settings), on a
    free loopback port (pinned to CPU core ``pin`` if given); stopped (and waited for) on exit."""
    port = free_port()
    tenantry = Path(sys.executable).with_name("tenantry")
    command = [str(tenantry), "serve", "--port", str(port), "--workers", str(workers)]
    if pin is not None:
        command = ["taskset", "-c", str(pin), *command]
    url = f"http://127.0.0.1:{port}"
    env.setdefault("TENANTRY_PUBLIC_URL", url)
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=server_env(database_url, **env), stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(process, url, log)
            yield Server(process, url, database_url)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(process: subprocess.Popen[bytes], url: str, log: Any) -> None:
    # A loaded machine (other sessions' test suites) can take minutes to start a server.
    patience = float(os.environ.get("BENCH_STARTUP_SECONDS", "120"))
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read().decode(errors='replace')}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server did not answer /healthz within {patience:.0f} s (BENCH_STARTUP_SECONDS)")


# ---------------------------------------------------------------- processes


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU time of processes (and their reaped children), in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def memory_mib(pid: int) -> dict[str, float]:
    """Resident set size now and at its peak (VmHWM), in MiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) / 1024
    return {"rss": values["VmRSS"], "peak": values["VmHWM"]}


def postgres_backends(database_url: str) -> list[int]:
    """PIDs of the PostgreSQL backends connected to that database (the server's pool)."""
    if not database_url.startswith("postgres"):
        return []
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,)
        ).fetchall()
    return [int(row[0]) for row in rows]


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# ---------------------------------------------------------------- wrk


@dataclass
class WrkResult:
    requests_per_s: float
    ok: int
    bad: int
    p50_ms: float
    p99_ms: float
    socket_errors: int
    server_cpu_s: float
    db_cpu_s: float
    duration_s: float
    load: str
    first_bad: str = ""
    output: str = field(default="", repr=False)

    @property
    def per_server_core(self) -> float:
        """Requests per second of CPU the server process used (one core fully busy = 1)."""
        return self.ok / self.server_cpu_s if self.server_cpu_s else 0.0

    @property
    def per_core_with_db(self) -> float:
        spent = self.server_cpu_s + self.db_cpu_s
        return self.ok / spent if spent else 0.0


def wrk(
    server: Server,
    scenario: str,
    *,
    expect: int,
    duration: int = 10,
    connections: int = 32,
    variables: dict[str, Any] | None = None,
) -> WrkResult:
    """Run ``bench/wrk/<scenario>.lua`` against the server with one wrk thread.

    Lua globals come from ``variables`` (strings, numbers, lists of strings); only
    responses with status ``expect`` count as done work in ``ok``.
    """
    prelude = [f"EXPECT = {expect}", f"RUN = {json.dumps(secrets.token_hex(4))}"]
    for name, value in (variables or {}).items():
        if isinstance(value, list):
            prelude.append(f"{name} = {{{', '.join(json.dumps(v) for v in value)}}}")
        else:
            prelude.append(f"{name} = {json.dumps(value)}")
    script = (
        "\n".join(prelude) + "\n" + (WRK_DIR / f"{scenario}.lua").read_text() + (WRK_DIR / "report.lua").read_text()
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    backends = postgres_backends(server.database_url)
    load = load_average()
    cpu_before = cpu_seconds([server.pid])
    db_before = {pid: cpu_seconds([pid]) for pid in backends}
    try:
        output = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "-s", handle.name, server.url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(handle.name)
    server_cpu = cpu_seconds([server.pid]) - cpu_before
    # Backends opened during the run count whole; ones closed before its end are missed.
    db_cpu = sum(cpu_seconds([pid]) - db_before.get(pid, 0.0) for pid in postgres_backends(server.database_url))
    line = next(line for line in output.splitlines() if line.startswith("WRKJSON "))
    data = json.loads(line.removeprefix("WRKJSON "))
    seconds = data["duration_us"] / 1e6
    return WrkResult(
        requests_per_s=data["ok"] / seconds,
        ok=data["ok"],
        bad=data["bad"],
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        socket_errors=data["socket_errors"],
        server_cpu_s=server_cpu,
        db_cpu_s=db_cpu,
        duration_s=seconds,
        load=load,
        first_bad=data.get("first_bad", ""),
        output=output,
    )


# ---------------------------------------------------------------- statistics


@dataclass
class Spread:
    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def __str__(self) -> str:
        if not self.values:
            return "–"
        if len(self.values) == 1:
            return f"{self.values[0]:.0f}"
        return f"{self.median:.0f} ({min(self.values):.0f}–{max(self.values):.0f})"


def percentile(samples: Sequence[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Python {platform.python_version()}"


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def header(title: str) -> None:
    print(f"# {title}")
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit {commit()}, {machine()}")
    print(f"load average at start: {load_average()}\n")
