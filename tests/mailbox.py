"""A real SMTP server for the tests (aiosmtpd on a loopback port) that keeps what it gets.

smtplib returns only after the server accepted the message, so a request that sent a mail
has put it in the mailbox by the time the test client returns: no waiting, no polling.
"""

import re
import socket
import threading
from email import message_from_bytes
from email.policy import default as default_policy

from aiosmtpd.controller import Controller

LINK_RE = re.compile(r"https?://\S+")


class Mailbox:
    """aiosmtpd handler: every accepted message, parsed."""

    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(
            envelope.original_content or envelope.content, policy=default_policy
        )
        with self._lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def clear(self):
        with self._lock:
            self.messages.clear()

    def to(self, address):
        """Messages delivered to `address`, oldest first."""
        with self._lock:
            return [m for rcpts, m in self.messages if address in rcpts]

    def last_link_to(self, address):
        """The link in the newest message to `address` (fails when there is none)."""
        messages = self.to(address)
        assert messages, f"no mail to {address}; got mail for {self.recipients()}"
        return links_in(messages[-1])[0]

    def recipients(self):
        with self._lock:
            return [r for rcpts, _m in self.messages for r in rcpts]


def links_in(message):
    body = message.get_body(("plain",)).get_content()
    return LINK_RE.findall(body)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_smtp_server():
    """(mailbox, controller) listening on 127.0.0.1; call controller.stop() when done."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return mailbox, controller
