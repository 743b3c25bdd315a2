"""A stand-in SMS gateway on loopback that counts requests by idempotency key.

It behaves like the providers visits/gateways.py is written for: a POST carrying an
`Idempotency-Key` it has seen before is answered with the first answer and is not delivered
again. So `delivered` (distinct keys) is what the borrowers' phones would show and
`requests` is what our side sent; the difference is retries the key made harmless.

`hold_at` (with `hold_seconds`) holds the n-th request before answering and sets
`held`, so a test can kill the sender while a request is in flight.
"""

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeSmsGateway:
    def __init__(self, *, delay: float = 0.0, hold_at: int = 0, hold_seconds: float = 0.0):
        self.delay = delay
        self.hold_at = hold_at
        self.hold_seconds = hold_seconds
        self.held = threading.Event()
        self.requests: Counter[str] = Counter()  # idempotency key -> requests received
        self.missing_key = 0  # requests without an Idempotency-Key header
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/messages"

    @property
    def delivered(self) -> int:
        return len(self.requests)

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values()) + self.missing_key

    @property
    def repeated_keys(self) -> dict[str, int]:
        return {key: n for key, n in self.requests.items() if n > 1}

    def __enter__(self) -> "FakeSmsGateway":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _received(self, key: str) -> tuple[int, int]:
        """Count one request; return (its number overall, requests with this key so far)."""
        with self._lock:
            if not key:
                self.missing_key += 1
            else:
                self.requests[key] += 1
            return self.total_requests, self.requests[key] if key else 0

    def _handler(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                key = self.headers.get("Idempotency-Key", "")
                number, seen = gateway._received(key)
                if not key or body.get("idempotency_key") != key:
                    return self._answer(400, {"error": "missing or mismatched idempotency key"})
                if number == gateway.hold_at:
                    gateway.held.set()
                    threading.Event().wait(gateway.hold_seconds)
                elif gateway.delay:
                    threading.Event().wait(gateway.delay)
                self._answer(200, {"id": f"fake-{key}", "duplicate": seen > 1})

            def _answer(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the sender died while we held its request
                    pass

            def log_message(self, *args) -> None:  # keep the test output clean
                pass

        return Handler
