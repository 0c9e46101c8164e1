// The library-limit reference: a bare `ws` broadcast server. One letter protocol (`s<room>` joins and
// is answered `k`, `p<room>\n<text>` publishes); a publish sends the same buffer to every socket of the
// room, with no parsing, storage or auth. Run as its own process so its CPU can be read from /proc.
import { type WebSocket, WebSocketServer } from 'ws';

const LF = 10;
const rooms = new Map<string, Set<WebSocket>>();
const server = new WebSocketServer({
  host: '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  perMessageDeflate: false,
});

server.on('error', (error) => {
  process.stderr.write(`${JSON.stringify({ msg: 'server error', error: error.message })}\n`);
  process.exit(1);
});

server.on('connection', (socket) => {
  const joined = new Set<string>();
  socket.on('error', () => socket.terminate());
  socket.on('close', () => {
    for (const room of joined) rooms.get(room)?.delete(socket);
  });
  socket.on('message', (data: Buffer) => {
    if (data[0] === 0x73 /* s */) {
      const room = data.toString('utf8', 1);
      let members = rooms.get(room);
      if (members === undefined) {
        members = new Set();
        rooms.set(room, members);
      }
      members.add(socket);
      joined.add(room);
      socket.send('k');
    } else if (data[0] === 0x70 /* p */) {
      const newline = data.indexOf(LF);
      if (newline < 0) return;
      const members = rooms.get(data.toString('utf8', 1, newline));
      if (members === undefined) return;
      const payload = data.subarray(newline + 1);
      for (const member of members) member.send(payload, { binary: false });
    }
  });
});

server.on('listening', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', url: `ws://127.0.0.1:${port}` })}\n`);
});

process.on('SIGTERM', () => {
  for (const client of server.clients) client.terminate();
  server.close(() => process.exit(0));
});
