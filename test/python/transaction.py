# Transactions: SENDs inside BEGIN..COMMIT arrive only after COMMIT; ABORT drops them. A marker sent
# outside the transaction right after proves the held ones were not delivered early.
from parley_client import emit, open_connection, parse_args

host, port, user, version = parse_args()
conn, rec = open_connection(host, port, version)
conn.connect(user, "test-" + user, wait=True)
conn.subscribe("/topic/echo", id="sub-echo", ack="auto", receipt="sub-ok")
rec.wait_for(lambda: "sub-ok" in rec.receipts, "subscribe receipt")

tx = conn.begin()
conn.send("/app/echo", "tx-1", transaction=tx)
conn.send("/app/echo", "tx-2", transaction=tx)
conn.send("/app/echo", "marker-1", receipt="marker-1")
rec.wait_for(lambda: "marker-1" in rec.bodies(), "marker-1")
before_commit = rec.bodies()
conn.commit(tx, receipt="commit")
rec.wait_for(lambda: "commit" in rec.receipts, "commit receipt")
rec.wait_for(lambda: "tx-2" in rec.bodies(), "committed messages")

tx2 = conn.begin()
conn.send("/app/echo", "aborted", transaction=tx2)
conn.abort(tx2)
conn.send("/app/echo", "marker-2", receipt="marker-2")
rec.wait_for(lambda: "marker-2" in rec.bodies(), "marker-2")
conn.disconnect(receipt="bye")

emit({"beforeCommit": before_commit, "bodies": rec.bodies(), "receipts": rec.receipts, "errors": rec.errors})
