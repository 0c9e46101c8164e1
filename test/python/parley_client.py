# Shared helpers for the stomp.py interoperability scripts: a listener that records what the server
# sent, bounded waits, and JSON output. The scripts know the test server's routes, nothing of its code.
import json
import sys
import threading
import time

import stomp


class Recorder(stomp.ConnectionListener):
    def __init__(self):
        self.cond = threading.Condition()
        self.messages = []
        self.receipts = []
        self.errors = []
        self.heartbeats = 0
        self.connected_headers = None
        self.disconnected = False

    def _record(self, fn):
        with self.cond:
            fn()
            self.cond.notify_all()

    def on_connected(self, frame):
        self._record(lambda: setattr(self, "connected_headers", dict(frame.headers)))

    def on_message(self, frame):
        self._record(lambda: self.messages.append({"headers": dict(frame.headers), "body": frame.body}))

    def on_receipt(self, frame):
        self._record(lambda: self.receipts.append(frame.headers.get("receipt-id")))

    def on_error(self, frame):
        self._record(lambda: self.errors.append({"headers": dict(frame.headers), "body": frame.body}))

    def on_heartbeat(self):
        def bump():
            self.heartbeats += 1
        self._record(bump)

    def on_disconnected(self):
        self._record(lambda: setattr(self, "disconnected", True))

    def wait_for(self, predicate, what, timeout=5.0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("timed out waiting for " + what)
                self.cond.wait(left)

    def bodies(self, destination=None):
        with self.cond:
            return [m["body"] for m in self.messages
                    if destination is None or m["headers"].get("destination") == destination]


def parse_args():
    # host port user version
    host, port, user, version = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    return host, port, user, version


def open_connection(host, port, version, heartbeats=(0, 0)):
    classes = {"1.0": stomp.Connection10, "1.1": stomp.Connection11, "1.2": stomp.Connection12}
    if version == "1.0":
        conn = classes[version]([(host, port)], reconnect_attempts_max=1)
    else:
        conn = classes[version]([(host, port)], heartbeats=heartbeats, reconnect_attempts_max=1)
    recorder = Recorder()
    conn.set_listener("recorder", recorder)
    return conn, recorder


def emit(result):
    print(json.dumps(result))
    sys.stdout.flush()
