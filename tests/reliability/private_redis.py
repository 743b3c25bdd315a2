"""A Redis server of the test's own, on a free loopback port, that the test may stop.

The machine's Redis is shared with other work: a test that stops "the broker" stops this one.
It keeps nothing on disk, so a restart comes back empty, as after a crash: whatever was
queued is gone and only the outbox remembers.
"""

import shutil
import socket
import subprocess
import time
from pathlib import Path

REDIS_SERVER = shutil.which("redis-server")


class PrivateRedis:
    def __init__(self, directory: Path):
        self.directory = directory
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.directory / "redis.log").open("a")
        self.process = subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],  # fmt: skip
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(100):  # a guard against a server that never comes up
            if self._answers():
                return
            time.sleep(0.05)
        raise AssertionError((self.directory / "redis.log").read_text())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
