// Every server of the local runtime listens on 127.0.0.1 only; this is the one place that binds.
// Also the one way those servers read a request body, with a size cap.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A stop lets requests in progress finish this long, then cuts their connections. */
export const STOP_GRACE_MS = 10_000;
/** While stopping, connections that have gone idle are closed this often. */
export const IDLE_SWEEP_MS = 50;

export async function listenOnLoopback(server: Server, port: number): Promise<{ url: string; stop(): Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  let closing = false;
  // Once stopping, every response closes its connection, so keep-alive clients cannot hold it open.
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (closing) res.setHeader('connection', 'close');
  });
  return {
    url: `http://127.0.0.1:${actual}`,
    // Stop accepting, let requests in progress finish (their handlers still need the stores),
    // then cut whatever is left after a grace period. A request that was in progress when the stop
    // began was answered keep-alive: its connection, idle from then on, is closed on the next
    // sweep (server.close() closes only the connections idle when it is called; a client's unused
    // pooled connection would otherwise hold the stop until a keep-alive timeout, 4-5 s).
    stop: () =>
      new Promise<void>((resolve) => {
        closing = true;
        const force = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
        const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
        server.close(() => {
          clearTimeout(force);
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

/** The whole request body, or undefined once it exceeds `maxBytes` (the rest is read and dropped). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > maxBytes ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
