import type { Socket } from 'node:net';
import fp from 'fastify-plugin';

/** How often, while the server closes, connections are checked. */
const SWEEP_MS = 20;

/**
 * Lets `close()` finish once the requests in flight are answered. Fastify 5.12 closes only the connections idle
 * when the close begins (fastify/fastify#7044): one answering a request then stays open for its keep-alive
 * timeout (72 s). And once the server closes, Node no longer times out a connection that was accepted but has
 * sent nothing (a client's pooled connection), so the close would wait for the client. Until the close completes,
 * connections are closed as soon as they are idle, and those that never sent a byte are destroyed.
 */
export default fp(
  async (fastify) => {
    const sockets = new Set<Socket>();
    fastify.server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    let sweep: NodeJS.Timeout | undefined;
    fastify.addHook('preClose', (done) => {
      sweep = setInterval(() => {
        fastify.server.closeIdleConnections();
        for (const socket of sockets) if (socket.bytesRead === 0) socket.destroy();
      }, SWEEP_MS);
      done();
    });
    fastify.addHook('onClose', (_, done) => {
      clearInterval(sweep);
      done();
    });
  },
  { name: 'connection-drain' },
);
