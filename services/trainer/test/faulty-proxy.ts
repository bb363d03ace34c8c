/**
 * An HTTP proxy for tests that forwards to a real server (s3rver) and cuts the connection of every PUT after the
 * first `okPuts`: an upload that dies half-way, as when a node loses the network mid-publish.
 */
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultyProxy {
  url: string;
  /** PUTs that reached the target. */
  forwardedPuts: number;
  /** PUTs cut off. */
  droppedPuts: number;
  close(): Promise<void>;
}

export async function startFaultyProxy(target: string, okPuts: number): Promise<FaultyProxy> {
  const to = new URL(target);
  const state = { forwardedPuts: 0, droppedPuts: 0 };
  const server = createServer((req, res) => {
    if (req.method === 'PUT') {
      if (state.forwardedPuts >= okPuts) {
        state.droppedPuts++;
        req.socket.destroy();
        return;
      }
      state.forwardedPuts++;
    }
    const upstream = request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get forwardedPuts() {
      return state.forwardedPuts;
    },
    get droppedPuts() {
      return state.droppedPuts;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
