"""A real SMTP server for the notification tests (aiosmtpd), on loopback.

Usage: python3 smtp_sink.py PORT DIR

Each message accepted is saved as DIR/NNNN.json: the envelope (mail_from, rcpt_tos),
every header as received (name, raw value, decoded value), and the decoded text and
HTML parts, so the Rust test can check what a resident would read. Recipients whose
address starts with "reject" are refused with 550 at RCPT (a permanent failure).
Prints "ready" once listening.
"""

import asyncio
import email
import email.header
import email.policy
import json
import os
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        compat = email.message_from_bytes(raw, policy=email.policy.compat32)
        headers = []
        for name, value in compat.items():
            decoded = str(email.header.make_header(email.header.decode_header(value)))
            headers.append({"name": name, "raw": value, "decoded": decoded})
        text = html = None
        for part in parsed.walk():
            if part.get_content_type() == "text/plain" and text is None:
                text = part.get_content()
            elif part.get_content_type() == "text/html" and html is None:
                html = part.get_content()
        self.count += 1
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": headers,
            "subject": str(parsed["subject"]),
            "text": text,
            "html": html,
        }
        path = os.path.join(self.directory, "%04d.json" % self.count)
        # Written whole, then renamed: the test never reads half a file.
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(path + ".tmp", path)
        return "250 Message accepted for delivery"


async def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    asyncio.run(main())
