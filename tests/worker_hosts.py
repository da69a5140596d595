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

import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

LOCAL_ADDRESS = re.compile(r"(?:127\.0\.0\.1|localhost):(\d+)")


def namespaces_available() -> bool:
    """Whether this machine lets a test make a network namespace (root, `ip netns`)."""
    if shutil.which("ip") is None:
        return False
    probe = f"probe-{uuid.uuid4().hex[:8]}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True).returncode == 0
    if made:
        subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return made


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
        subnet = random.randint(1, 250)
        self.gateway, self.address = f"10.213.{subnet}.1", f"10.213.{subnet}.2"
        outer, inner = f"om{tag}o", f"om{tag}i"
        _ip("netns", "add", self.namespace)
        try:
            _ip("link", "add", outer, "type", "veth", "peer", "name", inner)
            _ip("link", "set", inner, "netns", self.namespace)
            _ip("addr", "add", f"{self.gateway}/30", "dev", outer)
            _ip("link", "set", outer, "up")
            _ip("addr", "add", f"{self.address}/30", "dev", inner, namespace=self.namespace)
            _ip("link", "set", inner, "up", namespace=self.namespace)
            _ip("link", "set", "lo", "up", namespace=self.namespace)
        except subprocess.CalledProcessError:
            self.remove()
            raise
        self.forwarders: dict[int, PortForwarder] = {}
        self.relays: list[subprocess.Popen] = []
        self.processes: list[subprocess.Popen] = []

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
        line = relay.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"the relay on {self.name} did not start: {line}{relay.stdout.read()}")

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

    def remove(self) -> None:
        for proc in getattr(self, "processes", []) + getattr(self, "relays", []):
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        for forwarder in getattr(self, "forwarders", {}).values():
            forwarder.close()
        subprocess.run(["ip", "netns", "del", self.namespace], capture_output=True)  # its veth goes with it


def relay(gateway: str, ports: list[int]) -> None:
    """Inside a host: 127.0.0.1:port -> gateway:port, until killed."""
    for port in ports:
        PortForwarder("127.0.0.1", port, target=gateway)
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__" and sys.argv[1:2] == ["relay"]:
    relay(sys.argv[2], [int(p) for p in sys.argv[3:]])
