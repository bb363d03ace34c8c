import { connect, type Socket } from 'node:net';

/** How a slow client's connection ended. */
export interface SlowClientEnd {
  /** From the connect call to the close. */
  lifetimeMs: number;
  /** From the write of its text to the close (NaN when it never connected). */
  afterWriteMs: number;
  /** The status of the server's answer (e.g. 408), if it answered. */
  status: number | undefined;
  /** The socket error's code, if any (e.g. ECONNRESET). */
  error: string | undefined;
}

/**
 * A connection to 127.0.0.1:`port` (from `localAddress`, another loopback address when one has run out of ports)
 * that sends `text` once connected and then nothing. `ended` resolves when it closes, whoever closed it.
 */
export function slowClient(
  port: number,
  text: string,
  localAddress?: string,
): { socket: Socket; ended: Promise<SlowClientEnd> } {
  const opened = performance.now();
  let wrote = Number.NaN;
  let status: number | undefined;
  let error: string | undefined;
  const socket = connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) }, () => {
    wrote = performance.now();
    socket.write(text);
  });
  socket.on('error', (err: NodeJS.ErrnoException) => {
    error ??= err.code ?? err.message;
  });
  // Reading what the server answers (a 408) also lets 'close' come.
  socket.on('data', (chunk: Buffer) => {
    status ??= Number(/^HTTP\/1\.[01] (\d{3})/.exec(chunk.toString('latin1', 0, 16))?.[1]);
  });
  const ended = new Promise<SlowClientEnd>((resolve) =>
    socket.on('close', () => {
      const now = performance.now();
      resolve({ lifetimeMs: now - opened, afterWriteMs: now - wrote, status, error });
    }),
  );
  return { socket, ended };
}
