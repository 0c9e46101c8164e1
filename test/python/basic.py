# Connect with passcode, subscribe, send with a receipt, receive; SEND to /topic is refused on
# /user/queue/errors with receipt-id while the connection stays; a bad passcode gets ERROR.
from parley_client import emit, open_connection, parse_args

host, port, user, version = parse_args()
conn, rec = open_connection(host, port, version)
conn.connect(user, "test-" + user, wait=True)
conn.subscribe("/topic/echo", id="sub-echo", ack="auto")
conn.subscribe("/user/queue/errors", id="sub-errors", ack="auto", receipt="sub-errors-ok")
rec.wait_for(lambda: "sub-errors-ok" in rec.receipts, "subscribe receipt")
conn.send("/app/echo", "hello from python \u00e9\u00e8 \U0001F600", receipt="send-1")
rec.wait_for(lambda: "send-1" in rec.receipts, "send receipt")
rec.wait_for(lambda: len(rec.bodies("/topic/echo")) >= 1, "echo message")
conn.send("/topic/echo", "not allowed", receipt="send-topic")
rec.wait_for(lambda: len(rec.bodies("/user/queue/errors")) >= 1, "error on /user/queue/errors")
conn.send("/app/echo", "still open", receipt="send-2")
rec.wait_for(lambda: "send-2" in rec.receipts, "second send receipt")
rec.wait_for(lambda: len(rec.bodies("/topic/echo")) >= 2, "second echo message")
conn.disconnect(receipt="bye")

bad, bad_rec = open_connection(host, port, version)
refused = None
try:
    bad.connect(user, "forged", wait=True)
    refused = False
except Exception as error:  # stomp.py raises ConnectFailedException after the ERROR
    refused = type(error).__name__
bad_rec.wait_for(lambda: len(bad_rec.errors) >= 1, "ERROR for a bad passcode")
try:
    bad.disconnect()
except Exception:
    pass

emit({
    "version": rec.connected_headers.get("version") if rec.connected_headers else None,
    "session": rec.connected_headers.get("session") if rec.connected_headers else None,
    "receipts": rec.receipts,
    "messages": rec.messages,
    "refused": refused,
    "badErrors": bad_rec.errors,
})
