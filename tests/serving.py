"""The one way tests start ``tenantry serve`` as a real process.

Readiness comes from the server itself: it prints ``Tenantry ready`` once its application has
started (its socket listens before that, so no connection is refused after it), so there is no
polling and no wall-clock guess that a loaded machine can outlast. A server that exits before it
is ready fails the test at once with its output; one that neither gets ready nor exits is a hang,
caught by a last-resort deadline far above any honest start-up (TENANTRY_TEST_START_DEADLINE, default 300 s).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from tenantry.server.serving import READY

START_DEADLINE = float(os.environ.get("TENANTRY_TEST_START_DEADLINE", "300"))
PYTHON_SERVE = (sys.executable, "-m", "tenantry", "serve")


class ServeProcess:
    """``tenantry serve --port PORT`` (plus ``args``), its output kept in a file as it comes."""

    def __init__(
        self,
        env: dict[str, str],
        port: int,
        *,
        command: Sequence[str] = PYTHON_SERVE,
        args: Sequence[str] = (),
        cwd: str | Path | None = None,
        processes: int = 1,
        pass_port: bool = True,
    ) -> None:
        self.env, self.port, self.cwd = env, port, cwd
        self.command = [*command, *(["--port", str(port)] if pass_port else []), *args]
        self.url = f"http://127.0.0.1:{port}"
        self.processes = processes  # server processes that each announce READY (--workers)
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 -- lives as long as this object; output() reads it
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._seen = 0

    def start(self) -> ServeProcess:
        """Start and return once every server process said it is ready."""
        self.launch()
        self._wait_until_ready()
        return self

    def launch(self) -> ServeProcess:
        """Start and return at once; ``ready`` tells when every process has said it is ready."""
        self._ready.clear()
        self._seen = 0
        self.process = subprocess.Popen(
            self.command, env=self.env, cwd=self.cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        threading.Thread(target=self._read, args=(self.process,), daemon=True).start()
        return self

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for line in process.stdout:  # drained to the end, so a chatty server never blocks on its pipe
            with self._lock:
                self._log.write(line)
                self._log.flush()
            if line.startswith(READY.encode()):
                self._seen += 1
                if self._seen >= self.processes:
                    self._ready.set()

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_DEADLINE
        while not self._ready.wait(0.05):
            if self.process.poll() is not None:
                time.sleep(0.2)  # let the reader catch the last lines
                code = self.process.returncode
                pytest.fail(f"tenantry serve exited with {code} before it was ready:\n{self.output()}")
            if time.monotonic() > deadline:
                self.kill()
                hung = f"tenantry serve neither got ready nor exited in {START_DEADLINE:g} s"
                pytest.fail(f"{hung}:\n{self.output()}")

    def send(self, signum: int = signal.SIGTERM) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def wait(self, timeout: float = 60) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, transactions in flight are cut where they are."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM and wait for the graceful exit (killed if it takes longer than ``timeout``)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode

    def output(self) -> str:
        with self._lock:
            self._log.seek(0)
            text = self._log.read().decode(errors="replace")
            self._log.seek(0, os.SEEK_END)
        return text

    def close(self) -> None:
        self.stop()
        self._log.close()
