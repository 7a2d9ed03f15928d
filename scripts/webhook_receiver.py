#!/usr/bin/env python3
"""A webhook receiver that checks Standard Webhooks signatures with its own implementation
(Python's hmac, not rarlink's code), for the webhook tests.

    webhook_receiver.py --dir DIR

Listens on 127.0.0.1 on a free port and prints "ready PORT". For each POST it reads the secrets
to check against from DIR/secrets (one `whsec_…` per line, read again on every request, so a
test can change them), verifies `webhook-signature` over `{webhook-id}.{webhook-timestamp}.{body}`
(HMAC-SHA256, key = the base64 after `whsec_`, any of the space-separated `v1,<base64>` entries),
answers 204 when one secret verifies and 401 otherwise, and writes DIR/<n>.json:
{"id", "eventType", "verifiedWith": [indexes of the secrets that verified]}.

The timestamp's age is not checked: the tests run on a hand-moved clock, not the wall clock.
Stops on SIGTERM or SIGINT. Standard library only.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def signatures_verified(secrets, msg_id, timestamp, body, header):
    signed = f"{msg_id}.{timestamp}.".encode() + body
    given = [part.split(",", 1)[1] for part in header.split(" ") if part.startswith("v1,")]
    verified = []
    for index, secret in enumerate(secrets):
        if not secret.startswith("whsec_"):
            continue
        key = base64.b64decode(secret[len("whsec_"):])
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        if any(hmac.compare_digest(expected, g) for g in given):
            verified.append(index)
    return verified


def handler_for(directory):
    counter = {"n": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            try:
                with open(os.path.join(directory, "secrets"), encoding="utf-8") as f:
                    secrets = [line.strip() for line in f if line.strip()]
            except FileNotFoundError:
                secrets = []
            verified = signatures_verified(
                secrets,
                self.headers.get("webhook-id", ""),
                self.headers.get("webhook-timestamp", ""),
                body,
                self.headers.get("webhook-signature", ""),
            )
            try:
                event_type = json.loads(body).get("eventType")
            except ValueError:
                event_type = None
            with lock:
                counter["n"] += 1
                name = os.path.join(directory, f"{counter['n']:05}.json")
            record = {
                "id": self.headers.get("webhook-id"),
                "eventType": event_type,
                "verifiedWith": verified,
            }
            with open(name + ".part", "w", encoding="utf-8") as f:
                json.dump(record, f)
            os.rename(name + ".part", name)
            self.send_response(204 if verified else 401)
            self.end_headers()

        def log_message(self, *_):
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(args.dir))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    signal.signal(signal.SIGINT, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"ready {server.server_address[1]}", flush=True)
    server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
