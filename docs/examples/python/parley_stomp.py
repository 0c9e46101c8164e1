#!/usr/bin/env python3
# Parley from Python with stomp.py over TCP (STOMP_PORT): sign in over HTTP, post to a room and hear it,
# then use the generic destinations a server with GENERIC_DESTINATIONS="/topic/=topic,/queue/=queue"
# offers: a topic every subscriber hears, a queue whose messages go to one consumer with ACK/NACK.
# Standard library + stomp.py only (Debian: apt install python3-stomp). Run:
#   python3 parley_stomp.py --http http://127.0.0.1:8080 --stomp 127.0.0.1:61613
# It prints one JSON line of what it saw, and exits non-zero when anything did not happen.
import argparse
import json
import sys
import threading
import time
import urllib.request

import stomp


def post_json(url, body, token=None):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    request.add_header("content-type", "application/json")
    if token is not None:
        request.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


class Inbox(stomp.ConnectionListener):
    """Every MESSAGE, RECEIPT and ERROR as it arrives; the script takes the ones it waits for."""

    def __init__(self):
        self.cond = threading.Condition()
        self.frames = []

    def _add(self, kind, frame):
        with self.cond:
            self.frames.append((kind, frame))
            self.cond.notify_all()

    def on_message(self, frame):
        self._add("MESSAGE", frame)

    def on_receipt(self, frame):
        self._add("RECEIPT", frame)

    def on_error(self, frame):
        self._add("ERROR", frame)

    def next(self, command, match=lambda frame: True, timeout=10.0):
        """Takes the first frame of `command` that `match`es (a MESSAGE may come before a RECEIPT)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for index, (kind, frame) in enumerate(self.frames):
                    if kind == "ERROR":
                        raise RuntimeError("ERROR " + frame.headers.get("message", "") + ": " + frame.body)
                    if kind == command and match(frame):
                        del self.frames[index]
                        return frame
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no " + command + " within " + str(timeout) + " s")
                self.cond.wait(left)


def connect(host, port, token):
    conn = stomp.Connection12([(host, port)], heartbeats=(10000, 10000), reconnect_attempts_max=1)
    inbox = Inbox()
    conn.set_listener("inbox", inbox)
    # The token goes as `passcode` (or an `Authorization: Bearer …` header); the login is not used.
    conn.connect("parley", token, wait=True)
    return conn, inbox


def subscribe(conn, inbox, destination, sub_id, ack="auto"):
    receipt = "sub-" + sub_id
    conn.subscribe(destination, id=sub_id, ack=ack, receipt=receipt)
    inbox.next("RECEIPT", lambda f: f.headers.get("receipt-id") == receipt)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", required=True, help="the server's base URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--stomp", required=True, help="host:port of the TCP STOMP listener")
    parser.add_argument("--generic", action="store_true", help="also try the generic /topic/ and /queue/")
    args = parser.parse_args()
    host, port = args.stomp.rsplit(":", 1)
    port = int(port)
    seen = {}

    # 1. A session (anonymous identity) and a room.
    alice = post_json(args.http + "/api/sessions", {"nickname": "py-alice"})
    room = post_json(args.http + "/api/rooms", {"name": "from python"}, alice["token"])
    conn, inbox = connect(host, port, alice["token"])

    # 2. Chat: subscribing joins the room; a SEND's RECEIPT comes once the message is stored.
    subscribe(conn, inbox, "/topic/rooms." + room["id"], "room")
    conn.send("/app/rooms." + room["id"], json.dumps({"body": "hello from python"}),
              content_type="application/json", receipt="post-1")
    inbox.next("RECEIPT", lambda f: f.headers.get("receipt-id") == "post-1")
    message = inbox.next("MESSAGE", lambda f: f.headers.get("subscription") == "room")
    seen["room"] = {"body": json.loads(message.body)["body"], "seq": message.headers.get("seq")}

    if args.generic:
        # 3. A generic topic: SEND then receive on the same destination; user headers pass through.
        subscribe(conn, inbox, "/topic/py.news", "news")
        conn.send("/topic/py.news", "news for everyone", headers={"x-lang": "py"}, receipt="news-1")
        inbox.next("RECEIPT", lambda f: f.headers.get("receipt-id") == "news-1")
        news = inbox.next("MESSAGE", lambda f: f.headers.get("subscription") == "news")
        seen["topic"] = {"body": news.body, "x-lang": news.headers.get("x-lang"),
                         "user-id": news.headers.get("user-id")}

        # 4. A queue with client-individual acks: NACK gives the message again, marked redelivered.
        subscribe(conn, inbox, "/queue/py.jobs", "jobs", ack="client-individual")
        conn.send("/queue/py.jobs", "job 1", receipt="job-1")
        inbox.next("RECEIPT", lambda f: f.headers.get("receipt-id") == "job-1")
        first = inbox.next("MESSAGE", lambda f: f.headers.get("subscription") == "jobs")
        conn.nack(first.headers["ack"])  # STOMP 1.2: the `ack` header names the message
        again = inbox.next("MESSAGE", lambda f: f.headers.get("subscription") == "jobs")
        conn.ack(again.headers["ack"], receipt="acked")
        inbox.next("RECEIPT", lambda f: f.headers.get("receipt-id") == "acked")
        seen["queue"] = {"first": first.body, "again": again.body,
                         "redelivered": again.headers.get("redelivered")}

    conn.disconnect(receipt="bye")
    print(json.dumps(seen))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # one line for whoever runs it, and a failing exit status
        print("failed: " + repr(error), file=sys.stderr)
        sys.exit(1)
