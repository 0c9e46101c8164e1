# Heart-beats: the client offers 300,300; CONNECTED answers with the server's values; the server's
# heart-beats arrive and the connection survives while the client keeps beating.
from parley_client import emit, open_connection, parse_args

host, port, user, version = parse_args()
conn, rec = open_connection(host, port, version, heartbeats=(300, 300))
conn.connect(user, "test-" + user, wait=True)
rec.wait_for(lambda: rec.heartbeats >= 3, "three server heart-beats", timeout=10.0)
conn.subscribe("/topic/echo", id="s", receipt="sub")
rec.wait_for(lambda: "sub" in rec.receipts, "receipt after heart-beats")
conn.disconnect(receipt="bye")

emit({
    "serverHeartBeat": rec.connected_headers.get("heart-beat") if rec.connected_headers else None,
    "heartbeats": rec.heartbeats,
    "disconnectedEarly": False,
    "receipts": rec.receipts,
})
