// The library-limit reference: a bare `ws` broadcast server. One letter protocol (`s<room>` joins and
// is answered `k`, `p<room>\n<text>` publishes); a publish sends the same buffer to every socket of the
// room, with no parsing, storage or auth. Run as its own process so its CPU can be read from /proc.
//
// SEND_MODE=raw makes it the raw socket floor: the WebSocket frame is built once per publish and
// written straight to each member's TCP socket (one `write`, no ws.send), the least a Node server can
// do per delivery; it answers whether a fan-out figure is reachable at all.
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { serverDataFrame } from '../src/transport/websocket-frame.js';

const LF = 10;
const raw = process.env.SEND_MODE === 'raw';
const rooms = new Map<string, Set<WebSocket>>();
/** The TCP socket under each WebSocket, for SEND_MODE=raw. */
const sockets = new Map<WebSocket, Duplex>();
const http = createServer((_request, response) => response.writeHead(404).end());
const server = new WebSocketServer({ noServer: true, perMessageDeflate: false });

http.on('upgrade', (request, socket, head) => {
  socket.on('error', () => socket.destroy());
  server.handleUpgrade(request, socket, head, (ws) => {
    sockets.set(ws, socket);
    server.emit('connection', ws, request);
  });
});

http.on('error', (error) => {
  process.stderr.write(`${JSON.stringify({ msg: 'server error', error: error.message })}\n`);
  process.exit(1);
});

server.on('connection', (socket) => {
  const joined = new Set<string>();
  socket.on('error', () => socket.terminate());
  socket.on('close', () => {
    sockets.delete(socket);
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
      if (raw) {
        const frame = serverDataFrame(payload, false);
        for (const member of members) sockets.get(member)?.write(frame);
      } else {
        for (const member of members) member.send(payload, { binary: false });
      }
    }
  });
});

http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = http.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', url: `ws://127.0.0.1:${port}` })}\n`);
});

process.on('SIGTERM', () => {
  for (const client of server.clients) client.terminate();
  server.close();
  http.close(() => process.exit(0));
});
