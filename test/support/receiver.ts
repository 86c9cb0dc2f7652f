// A real HTTP receiver on loopback that records every delivery and answers as scripted per path:
// a status sequence (e.g. 503, 503, 200), a delay, a redirect, or a decision per request body.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Received = { path: string; headers: IncomingHttpHeaders; body: string; receivedAt: number };

type Behaviour = {
  statuses?: number[];
  delayMs?: number;
  redirectTo?: string;
  /** Decides each answer from the request's body (its status and delay win over `statuses` and `delayMs`). */
  decide?: (body: string) => { status?: number; delayMs?: number };
};

export type Receiver = {
  url(path: string): string;
  /** Scripts the answers for a path: statuses are used in turn, the last one repeats. */
  script(path: string, behaviour: Behaviour): void;
  received(path?: string): Received[];
  close(): Promise<void>;
};

export async function startReceiver(): Promise<Receiver> {
  const scripts = new Map<string, Behaviour>();
  const seen = new Map<string, number>();
  const log: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const body = Buffer.concat(chunks).toString('utf8');
      log.push({ path, headers: req.headers, body, receivedAt: Date.now() });
      const behaviour = scripts.get(path) ?? {};
      const n = seen.get(path) ?? 0;
      seen.set(path, n + 1);
      const statuses = behaviour.statuses ?? [200];
      const decided = behaviour.decide?.(body) ?? {};
      const status = decided.status ?? statuses[Math.min(n, statuses.length - 1)]!;
      const delayMs = decided.delayMs ?? behaviour.delayMs;
      const answer = () => {
        if (res.destroyed) return;
        if (behaviour.redirectTo) res.writeHead(302, { location: behaviour.redirectTo }).end();
        else res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
      };
      if (delayMs) setTimeout(answer, delayMs).unref();
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    script: (path, behaviour) => scripts.set(path, behaviour),
    received: (path) => (path === undefined ? [...log] : log.filter((r) => r.path === path)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
