"""Helpers for the tests that run real server processes: start, wait, call, read metrics."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

LISTENING = re.compile(r"Listening at: (http://[0-9.:\[\]a-z]+)")


class BackgroundProcess:
    """A server process in its own session (so it and its children stop together), output to files."""

    def __init__(self, argv: list[str], *, cwd: Path, env: dict[str, str],
                 prefix: list[str] | None = None) -> None:
        self.log = Path(tempfile.mkstemp(prefix="alliance-proc-", suffix=".log")[1])
        self._out = self.log.open("wb")
        self.argv = argv
        self.process = subprocess.Popen([*(prefix or []), *argv], cwd=cwd, env=env, stdout=self._out,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stderr_lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()

    def wait_for(self, pattern: re.Pattern[str], timeout: float = 60.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = pattern.search(self.log.read_text(errors="replace"))
            if found:
                return found
            if self.process.poll() is not None:
                raise AssertionError(f"{self.argv[0]} exited with {self.process.returncode}:\n"
                                     + "\n".join(self.stderr_lines()[-40:]))
            time.sleep(0.1)
        raise AssertionError(f"{self.argv} printed no {pattern.pattern!r} in {timeout} s:\n"
                             + "\n".join(self.stderr_lines()[-40:]))

    def wait_for_url(self, timeout: float = 60.0) -> str:
        return self.wait_for(LISTENING, timeout).group(1)

    def kill(self) -> None:
        """SIGKILL the whole process group (a node dying at once)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, timeout: float = 20.0, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, sig)
                self.process.wait(timeout=timeout)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                self.kill()
        self._out.close()


def http(method: str, url: str, body: Any = None, *, headers: dict[str, str] | None = None,
         timeout: float = 30.0) -> tuple[int, Any, dict[str, str]]:
    """(status, JSON or text body, headers); never raises for an HTTP error status."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        **({"Content-Type": "application/json"} if data is not None else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw, got = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        status, raw, got = exc.code, exc.read(), dict(exc.headers)
    text = raw.decode(errors="replace")
    try:
        return status, json.loads(text), got
    except ValueError:
        return status, text, got


def metric_value(text: str, name: str, **labels: str) -> float | None:
    """The sum of the samples called `name` whose labels include `labels`; None if there is none."""
    total, found = 0.0, False
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
                found = True
    return total if found else None
