# Ack mode client: MESSAGEs carry an ack header; a cumulative ACK (with receipt) is accepted and the
# connection keeps working. client-individual: ACK one, NACK another.
from parley_client import emit, open_connection, parse_args

host, port, user, version = parse_args()
conn, rec = open_connection(host, port, version)
conn.connect(user, "test-" + user, wait=True)
conn.subscribe("/topic/echo", id="sub-client", ack="client", receipt="sub-1")
conn.subscribe("/topic/echo", id="sub-individual", ack="client-individual", receipt="sub-2")
rec.wait_for(lambda: "sub-2" in rec.receipts, "subscribe receipts")
for i in range(3):
    conn.send("/app/echo", "m%d" % i)
rec.wait_for(lambda: len(rec.messages) >= 6, "six messages")

def of(sub):
    return [m for m in rec.messages if m["headers"].get("subscription") == sub]

def ack_id(m):
    # 1.2 acknowledges by the `ack` header; 1.1 by message-id plus subscription.
    return m["headers"].get("ack") if version == "1.2" else m["headers"].get("message-id")

client_msgs = of("sub-client")
individual = of("sub-individual")
last = client_msgs[-1]
if version == "1.2":
    conn.ack(ack_id(last), receipt="ack-cumulative")
    conn.ack(ack_id(individual[0]), receipt="ack-one")
    conn.nack(ack_id(individual[1]), receipt="nack-one")
else:
    conn.ack(ack_id(last), "sub-client", receipt="ack-cumulative")
    conn.ack(ack_id(individual[0]), "sub-individual", receipt="ack-one")
    conn.nack(ack_id(individual[1]), "sub-individual", receipt="nack-one")
rec.wait_for(lambda: "nack-one" in rec.receipts, "ack receipts")
conn.send("/app/echo", "after-acks", receipt="after")
rec.wait_for(lambda: "after" in rec.receipts, "receipt after acks")
conn.disconnect(receipt="bye")

emit({"messages": rec.messages, "receipts": rec.receipts, "errors": rec.errors})
