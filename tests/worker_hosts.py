"""Worker hosts for the tests: network namespaces with addresses of their own, made and
removed by the test, where the machine allows it (root and `ip netns`).

A host is a namespace joined to this one by a veth pair (`10.213.X.2` inside, the
gateway `10.213.X.1` here). The services the tests run here (PostgreSQL, the broker,
devstore, the app) listen on 127.0.0.1, which a namespace cannot reach, and devstore
hands out URLs on 127.0.0.1 (a bulk operation's file), so each port a process's settings
name is carried over the link: a relay on the host's own 127.0.0.1 sends it to the
gateway, where a forwarder sends it on to 127.0.0.1 here. That is the part of the network
a test owns: closing a connection on one side closes it on the other, as a host's death
does. A process started on a host runs inside its namespace; killed, its connections drop
like those of a machine that went away.
"""
from __future__ import annotations

import os
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

LOCAL_ADDRESS = re.compile(r"(?:127\.0\.0\.1|localhost):(\d+)")


def namespaces_available() -> bool:
    """Whether this machine lets a test make a whole host: a namespace, its veth pair and
    a process run inside it (a container may allow the first and refuse the others)."""
    if shutil.which("ip") is None:
        return False
    try:
        host = WorkerHost("probe")
    except (OSError, subprocess.CalledProcessError):
        return False
    try:
        return subprocess.run(["ip", "netns", "exec", host.namespace, "true"], capture_output=True,
                              timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
    finally:
        host.remove()


def _ip(*args: str, namespace: str | None = None) -> None:
    cmd = ["ip", *args] if namespace is None else ["ip", "netns", "exec", namespace, "ip", *args]
    subprocess.run(cmd, check=True, capture_output=True)


class PortForwarder:
    """Listens on `address:port` and relays each connection to `target:port`."""

    def __init__(self, address: str, port: int, target: str = "127.0.0.1"):
        self.port, self.target = port, target
        self.server = socket.create_server((address, port))
        self.connections: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                inside, _ = self.server.accept()
            except OSError:  # closed
                return
            try:
                outside = socket.create_connection((self.target, self.port))
            except OSError:
                inside.close()
                continue
            with self.lock:
                self.connections.update((inside, outside))
            for src, dst in ((inside, outside), (outside, inside)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):  # one side gone (a killed process): the other sees it go
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        try:
            self.server.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        self.server.close()
        with self.lock:
            for sock in self.connections:
                try:
                    sock.close()
                except OSError:
                    pass


class WorkerHost:
    """One network namespace with its own address, and the processes started on it."""

    def __init__(self, name: str):
        tag = uuid.uuid4().hex[:6]
        self.name = name
        self.namespace = f"oms-{name}-{tag}"
        self.forwarders: dict[int, PortForwarder] = {}
        self.relays: list[subprocess.Popen] = []
        self.processes: list[subprocess.Popen] = []
        with _SUBNETS_LOCK:  # two hosts of this process never pick the same subnet
            subnet = _free_subnet()
            self.gateway, self.address = f"10.213.{subnet}.1", f"10.213.{subnet}.2"
            self.outer, inner = f"om{tag}o", f"om{tag}i"
            _ip("netns", "add", self.namespace)
            try:
                _ip("link", "add", self.outer, "type", "veth", "peer", "name", inner)
                _ip("addr", "add", f"{self.gateway}/30", "dev", self.outer)
            except subprocess.CalledProcessError:
                self.remove()
                raise
        outer = self.outer
        try:
            _ip("link", "set", inner, "netns", self.namespace)
            _ip("link", "set", outer, "up")
            _ip("addr", "add", f"{self.address}/30", "dev", inner, namespace=self.namespace)
            _ip("link", "set", inner, "up", namespace=self.namespace)
            _ip("link", "set", "lo", "up", namespace=self.namespace)
        except subprocess.CalledProcessError:
            self.remove()
            raise

    def carry(self, ports: set[int]) -> None:
        """Make 127.0.0.1:port on this host reach 127.0.0.1:port here, for each port."""
        new = sorted(p for p in ports if p not in self.forwarders)
        if not new:
            return
        for port in new:
            self.forwarders[port] = PortForwarder(self.gateway, port)
        relay = subprocess.Popen(["ip", "netns", "exec", self.namespace, sys.executable, __file__, "relay",
                                  self.gateway, *map(str, new)],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.relays.append(relay)
        ready, _, _ = select.select([relay.stdout], [], [], 30)
        line = relay.stdout.readline() if ready else ""
        if line.strip() != "ready":
            raise RuntimeError(f"the relay on {self.name} did not start: {line!r}")

    def start(self, args: list[str], *, env: dict, cwd: Path, log_path: Path | None = None) -> subprocess.Popen:
        """Run a command on this host (`ip netns exec` becomes the command: same pid), the
        local addresses its settings name carried over."""
        self.carry({int(port) for value in env.values() if isinstance(value, str)
                    for port in LOCAL_ADDRESS.findall(value)})
        out = open(log_path, "w") if log_path else subprocess.DEVNULL
        proc = subprocess.Popen(["ip", "netns", "exec", self.namespace, *args], cwd=cwd, env=env,
                                stdout=out, stderr=subprocess.STDOUT, text=True)
        self.processes.append(proc)
        return proc

    def kill(self) -> None:
        """Every process on this host, killed with -9 (the host is gone, whatever ran on it)."""
        found = subprocess.run(["ip", "netns", "pids", self.namespace], capture_output=True, text=True)
        for pid in found.stdout.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        for proc in self.processes + self.relays:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def remove(self) -> None:
        """Kill what runs on the host, close its link, and remove it; each step whatever
        happened to the others."""
        for step in (self.kill, *(forwarder.close for forwarder in self.forwarders.values())):
            try:
                step()
            except Exception:  # noqa: BLE001 - a teardown goes on
                pass
        for proc in self.relays:
            if proc.stdout:
                proc.stdout.close()
        subprocess.run(["ip", "netns", "del", self.namespace], capture_output=True)  # its veth end goes with it
        subprocess.run(["ip", "link", "del", self.outer], capture_output=True)  # a pair made but never moved


def _free_subnet() -> int:
    """A 10.213.X.0/30 no interface of this machine uses (several runs may share it)."""
    used = subprocess.run(["ip", "-o", "-4", "addr"], capture_output=True, text=True).stdout
    taken = {int(m) for m in re.findall(r"10\.213\.(\d+)\.", used)}
    free = [n for n in range(1, 255) if n not in taken]
    if not free:
        raise OSError("no free 10.213.X.0/30 subnet")
    return random.choice(free)


_SUBNETS_LOCK = threading.Lock()


def relay(gateway: str, ports: list[int]) -> None:
    """Inside a host: 127.0.0.1:port -> gateway:port, until killed."""
    for port in ports:
        PortForwarder("127.0.0.1", port, target=gateway)
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__" and sys.argv[1:2] == ["relay"]:
    relay(sys.argv[2], [int(p) for p in sys.argv[3:]])
