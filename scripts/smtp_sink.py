#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) that keeps every message it accepts, for the e-mail tests.

    smtp_sink.py --port 2525 --dir /tmp/mail

Listens on 127.0.0.1, writes each accepted message to DIR as one JSON file
({"mailFrom", "rcptTos", "data"}, written whole then renamed, so a reader never sees half of one),
prints "ready" once it accepts connections, and stops on SIGTERM or SIGINT.
The tests in tests/api/notifications.rs start and stop it (see tests/api/smtp.rs).
"""
import argparse
import json
import os
import signal
import threading
import time
import uuid

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, directory):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope):
        record = {
            "mailFrom": envelope.mail_from,
            "rcptTos": list(envelope.rcpt_tos),
            "data": envelope.content.decode("utf-8", "replace"),
        }
        name = f"{time.time_ns()}-{uuid.uuid4().hex}"
        partial = os.path.join(self.directory, name + ".part")
        with open(partial, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(partial, os.path.join(self.directory, name + ".json"))
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(Keep(args.dir), hostname="127.0.0.1", port=args.port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
