"""Shared by the notice tests: a real local HTTP server standing in for the SMS provider,
and helpers to book a visit through the real booking service and sign receipts."""

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from visits.models import Notice
from visits.services.booking import visit_book


@dataclass
class Recorded:
    path: str
    headers: dict
    body: dict


@dataclass
class SmsServer:
    """Answers each POST with the next queued (status, body), then with `default`.

    `hold`, when set, makes the handler wait until `release` is set before answering, so a
    test can see what happens while a send is in flight.
    """

    requests: list[Recorded] = field(default_factory=list)
    answers: list[tuple[int, bytes]] = field(default_factory=list)
    default: tuple[int, bytes] = (200, b'{"id": "prov-1"}')
    hold: bool = False
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Event = field(default_factory=threading.Event)
    url: str = ""
    _httpd: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> "SmsServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with server._lock:
                    server.requests.append(
                        Recorded(self.path, dict(self.headers.items()), json.loads(raw))
                    )
                    status, body = server.answers.pop(0) if server.answers else server.default
                server.arrived.set()
                if server.hold:
                    server.release.wait(timeout=60)  # a guard against a hung test only
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/sms"
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def keys(self) -> list[str]:
        return [r.headers["Idempotency-Key"] for r in self.requests]


def book(plan, place, by, now) -> list[Notice]:
    """Book through the real service; the notices it wrote to the outbox."""
    result = visit_book(plan=plan, place=place, by=by, now=now)
    assert result.booked, result.verdict
    return list(result.visit.notices.order_by("id"))


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
