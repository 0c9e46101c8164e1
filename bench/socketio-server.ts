// The Socket.IO 4 reference: a chat server with rooms (`join` with an ack) and `pub` emitted to the
// room as event `m`; WebSocket transport only, no auth or storage. Run as its own process so its CPU
// can be read from /proc.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });

http.on('error', (error) => {
  process.stderr.write(`${JSON.stringify({ msg: 'server error', error: error.message })}\n`);
  process.exit(1);
});

io.on('connection', (socket) => {
  socket.on('error', () => socket.disconnect(true));
  socket.on('join', (room: unknown, ack: unknown) => {
    if (typeof room !== 'string') return;
    void socket.join(room);
    if (typeof ack === 'function') ack();
  });
  socket.on('pub', (room: unknown, text: unknown) => {
    if (typeof room === 'string' && typeof text === 'string') io.to(room).emit('m', text);
  });
});

http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = http.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', url: `ws://127.0.0.1:${port}/socket.io` })}\n`);
});

process.on('SIGTERM', () => {
  void io.close(() => process.exit(0));
});
