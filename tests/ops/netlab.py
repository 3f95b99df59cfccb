"""A small network of hosts on this machine: network namespaces on one bridge.

    lab = NetLab()                      # needs root and `ip netns`
    lab.add_host("db", "198.18.0.2")    # namespace <prefix>-db, eth0 198.18.0.2/24
    lab.spawn("db", ["postgres", ...])  # a process inside it
    lab.teardown()                      # kills what it started, deletes every namespace

The bridge lives in a namespace of its own ("<prefix>-sw"), each host's veth peer is
created there, so nothing is added to the machine's own network namespace and the only
traffic is between the namespaces the lab made, on 198.18.0.0/24 (the benchmarking range,
RFC 2544). Names carry a random prefix, so two runs never collide.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

from tests.ops.support import BackgroundProcess

SUBNET_BITS = 24


class LabUnavailable(Exception):
    """This machine cannot build the lab (not root, no `ip netns`); the reason says why."""


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")


def check_available() -> None:
    if os.geteuid() != 0:
        raise LabUnavailable("network namespaces need root")
    if shutil.which("ip") is None:
        raise LabUnavailable("the `ip` command (iproute2) is not installed")
    probe = f"alprobe{uuid.uuid4().hex[:6]}"
    done = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise LabUnavailable(f"`ip netns add` fails here: {done.stderr.strip()}")
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, timeout=30)


class NetLab:
    def __init__(self) -> None:
        self.prefix = f"al{uuid.uuid4().hex[:5]}"
        self.switch = f"{self.prefix}-sw"
        self.hosts: dict[str, str] = {}
        self.processes: list[BackgroundProcess] = []
        _ip("netns", "add", self.switch)
        self.namespaces = [self.switch]
        _ip("-n", self.switch, "link", "set", "lo", "up")
        _ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
        _ip("-n", self.switch, "link", "set", "br0", "up")

    def namespace(self, host: str) -> str:
        return f"{self.prefix}-{host}"

    def add_host(self, host: str, address: str) -> None:
        ns = self.namespace(host)
        _ip("netns", "add", ns)
        self.namespaces.append(ns)
        port = f"v{len(self.hosts)}"
        _ip("-n", self.switch, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
        _ip("-n", self.switch, "link", "set", port, "master", "br0")
        _ip("-n", self.switch, "link", "set", port, "up")
        _ip("-n", ns, "link", "set", "lo", "up")
        _ip("-n", ns, "addr", "add", f"{address}/{SUBNET_BITS}", "dev", "eth0")
        _ip("-n", ns, "link", "set", "eth0", "up")
        self.hosts[host] = address

    def spawn(self, host: str, argv: list[str], *, cwd: Path, env: dict[str, str]) -> BackgroundProcess:
        process = BackgroundProcess(argv, cwd=cwd, env=env,
                                    prefix=["ip", "netns", "exec", self.namespace(host)])
        self.processes.append(process)
        return process

    def teardown(self) -> None:
        for process in reversed(self.processes):
            try:
                process.stop(timeout=10)
            except Exception:  # keep tearing down whatever happens
                process.kill()
        for ns in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
        self.namespaces.clear()
