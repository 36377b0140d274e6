"""A real SMTP server on loopback for mail tests (aiosmtpd), plus a few raw TCP helpers.

`SmtpServer` runs aiosmtpd in its own thread and keeps every envelope it accepts, so a test can
read back exactly what Django (or a Celery worker in another process) put on the wire.
"""

from __future__ import annotations

import email
import socket
import threading
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collector:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.lock = threading.Lock()

    # aiosmtpd calls this hook by name once a message's data has arrived.
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on 127.0.0.1:<free port>; `messages` parses what arrived."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self._collector = _Collector()
        self._controller = Controller(self._collector, hostname=self.host, port=self.port)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def envelopes(self) -> list[Envelope]:
        with self._collector.lock:
            return list(self._collector.envelopes)

    @property
    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(env.original_content or b"", policy=default_policy)
            for env in self.envelopes
        ]


class TcpServer:
    """A listening socket on 127.0.0.1:<free port> whose accept loop runs in a thread."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(32)
        self._sock.settimeout(0.1)
        self.port: int = self._sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self._sock.accept()
            except OSError:  # including the 0.1 s accept timeout
                continue
            self.connections += 1
            self.on_connect(conn)

    def on_connect(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)
        for conn in self.held:
            conn.close()
        self._sock.close()


class DroppingServer(TcpServer):
    """Accepts TCP connections and closes them at once, counting them: an SMTP server that
    hangs up before its greeting (smtplib raises SMTPServerDisconnected, an OSError)."""

    def on_connect(self, conn: socket.socket) -> None:
        conn.close()


class BlackHoleServer(TcpServer):
    """Accepts TCP connections and never sends a byte: a wedged broker or mail server."""

    def on_connect(self, conn: socket.socket) -> None:
        self.held.append(conn)
