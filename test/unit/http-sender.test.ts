// The delivery HTTP client: connects only to the address the URL guard checked (pinned, so a
// DNS answer that changes between check and connect cannot redirect it), reports refusals
// and network failures as short reasons, and keeps connections alive per endpoint and address.
import type { AddressInfo, Socket } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { ConnectionPool } from '../../lambdas/delivery/connection-pool.js';
import { HttpSender, USER_AGENT } from '../../lambdas/delivery/http-sender.js';
import { UrlGuard } from '../../lambdas/domain/url-guard.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { LOOPBACK_TLS } from '../support/tls.js';
import { waitFor } from '../support/wait-for.js';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());


describe('http sender', () => {
  it('connects to the checked address, resolving the name only once', async () => {
    // The guard's resolver answers 127.0.0.2 for localhost, where the system resolver says
    // 127.0.0.1: the request reaches the server on 127.0.0.2 only if the connection is pinned.
    const hits: string[] = [];
    const server = createServer((req, res) => {
      hits.push(`${req.socket.localAddress} ${req.headers.host}`);
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', () => resolve()));
    const { port } = server.address() as AddressInfo;
    let lookups = 0;
    const guard = new UrlGuard({ allowLoopback: true, resolver: async () => (lookups++ === 0 ? ['127.0.0.2'] : ['10.0.0.1']) });
    try {
      const result = await new HttpSender(guard, 2000).send(`http://localhost:${port}/pinned`, '{}', {});
      expect(result).toMatchObject({ ok: true, httpStatus: 200 });
      expect(lookups).toBe(1);
      expect(hits).toEqual([`127.0.0.2 localhost:${port}`]);
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });

  it('sends the body with the delivery headers', async () => {
    const result = await new HttpSender(new UrlGuard({ allowLoopback: true }), 2000).send(receiver.url('/plain'), '{"a":1}', { 'x-test': 'yes' });
    expect(result).toMatchObject({ ok: true, httpStatus: 200, error: null });
    expect(result.responseTimeMs).toEqual(expect.any(Number));
    const [request] = receiver.received('/plain');
    expect(request!.headers['user-agent']).toBe(USER_AGENT);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['x-test']).toBe('yes');
    expect(request!.body).toBe('{"a":1}');
  });

  it('refuses, without connecting, a name that now resolves to a private address', async () => {
    const guard = new UrlGuard({ allowLoopback: false, resolver: async () => ['10.0.0.1'] });
    const result = await new HttpSender(guard, 2000).send('https://rebound.example/hook', '{}', {});
    expect(result).toEqual({ ok: false, httpStatus: null, responseTimeMs: null, error: 'address_not_allowed' });
  });

  it('refuses loopback when loopback is not allowed, even if the name resolves publicly elsewhere first', async () => {
    const guard = new UrlGuard({ allowLoopback: false, resolver: async () => ['93.184.216.34', '127.0.0.1'] });
    const result = await new HttpSender(guard, 2000).send('https://mixed.example/hook', '{}', {});
    expect(result.error).toBe('address_not_allowed');
  });

  it('reports a name that does not resolve as dns_resolution_failed', async () => {
    const guard = new UrlGuard({
      allowLoopback: false,
      resolver: async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      },
    });
    expect((await new HttpSender(guard, 2000).send('https://gone.example/hook', '{}', {})).error).toBe('dns_resolution_failed');
  });

  it('treats 3xx as failure without following it, and reports a timeout', async () => {
    const guard = new UrlGuard({ allowLoopback: true });
    receiver.script('/moved', { redirectTo: receiver.url('/elsewhere') });
    const moved = await new HttpSender(guard, 2000).send(receiver.url('/moved'), '{}', {});
    expect(moved).toMatchObject({ ok: false, httpStatus: 302 });
    expect(receiver.received('/elsewhere')).toHaveLength(0);

    receiver.script('/slow', { delayMs: 1500 });
    const slow = await new HttpSender(guard, 200).send(receiver.url('/slow'), '{}', {});
    expect(slow).toEqual({ ok: false, httpStatus: null, responseTimeMs: null, error: 'timeout' });
  });
});

/** A hostile receiver on loopback that records, on its side, when each connection closes. */
async function hostileReceiver(answer: (res: import('node:http').ServerResponse) => void) {
  const sockets = { opened: 0, closed: 0 };
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(res));
  });
  server.on('connection', (socket) => {
    sockets.opened++;
    socket.on('close', () => sockets.closed++);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    sockets,
    every: (ms: number, fn: () => void) => timers.add(setInterval(fn, ms)),
    close: async () => {
      for (const t of timers) clearInterval(t);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('http sender against hostile receivers', () => {
  const guard = new UrlGuard({ allowLoopback: true });

  it('ends an attempt whose body trickles one byte a second at the deadline, and closes its socket', async () => {
    const hostile = await hostileReceiver((res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('x');
      hostile.every(1000, () => res.writable && res.write('x'));
    });
    try {
      const results = await Promise.all([1, 2, 3].map(() => new HttpSender(guard, 1500).send(hostile.url, '{}', {})));
      for (const result of results) expect(result).toEqual({ ok: false, httpStatus: null, responseTimeMs: null, error: 'timeout' });
      // Closed on the receiver's side too: no socket outlives its attempt.
      await waitFor(() => hostile.sockets.closed === 3 || undefined, { timeoutMs: 3000, what: () => JSON.stringify(hostile.sockets) });
      expect(hostile.sockets).toEqual({ opened: 3, closed: 3 });
    } finally {
      await hostile.close();
    }
  });

  it('reads at most a few KB of an endless body, then ends the attempt with the status and closes the socket', async () => {
    const chunk = Buffer.alloc(16 * 1024, 'y');
    const hostile = await hostileReceiver((res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      hostile.every(5, () => res.writable && res.write(chunk));
    });
    try {
      const result = await new HttpSender(guard, 5000).send(hostile.url, '{}', {});
      expect(result).toMatchObject({ ok: true, httpStatus: 200, error: null });
      await waitFor(() => hostile.sockets.closed === 1 || undefined, { timeoutMs: 3000, what: () => JSON.stringify(hostile.sockets) });
    } finally {
      await hostile.close();
    }
  });

  it('counts DNS resolution against the same deadline', async () => {
    const stuck = new UrlGuard({ allowLoopback: false, resolver: () => new Promise<string[]>(() => undefined) });
    expect(await new HttpSender(stuck, 300).send('https://never-answers.example/hook', '{}', {})).toEqual({
      ok: false,
      httpStatus: null,
      responseTimeMs: null,
      error: 'timeout',
    });
  });
});

type Exchange = { connection: number; nth: number; path: string; body: string; localAddress: string; servername: string | null };
type Answer = (req: IncomingMessage, res: ServerResponse, exchange: Exchange) => void;
const answerOk: Answer = (_req, res) => res.end('ok');

/**
 * A loopback receiver that counts, on its side, the connections (TCP), TLS handshakes and which
 * connection carried each request (`nth`: its place on that connection).
 */
async function countingReceiver(options: { tls?: boolean; host?: string; port?: number; answer?: Answer } = {}) {
  const counts = { opened: 0, closed: 0, handshakes: 0 };
  const exchanges: Exchange[] = [];
  const connectionOf = new WeakMap<object, { id: number; requests: number }>();
  let connectionIds = 0;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let connection = connectionOf.get(req.socket);
      if (!connection) connectionOf.set(req.socket, (connection = { id: ++connectionIds, requests: 0 }));
      const exchange = { connection: connection.id, nth: ++connection.requests, path: req.url ?? '/', body: Buffer.concat(chunks).toString(), localAddress: req.socket.localAddress ?? '', servername: (req.socket as TLSSocket).servername || null };
      exchanges.push(exchange);
      (options.answer ?? answerOk)(req, res, exchange);
    });
  };
  const server: Server = options.tls ? createHttpsServer(LOOPBACK_TLS, onRequest) : createServer(onRequest);
  server.on('connection', (socket: Socket) => {
    counts.opened++;
    socket.on('close', () => counts.closed++);
  });
  server.on('secureConnection', () => counts.handshakes++);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: (path = '/hook', name = host) => `${options.tls ? 'https' : 'http'}://${name}:${port}${path}`,
    counts,
    exchanges,
    /** The distinct connections that carried requests. */
    connections: () => new Set(exchanges.map((e) => e.connection)).size,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const poolWithTestCa = (options: ConstructorParameters<typeof ConnectionPool>[0] = {}) => new ConnectionPool({ ca: LOOPBACK_TLS.cert, ...options });
const loopback = new UrlGuard({ allowLoopback: true });

describe('http sender connection reuse', () => {
  it.each([['http', false], ['https', true]])('reuses one connection for successive attempts to the same endpoint (%s)', async (_scheme, tls) => {
    const receiver = await countingReceiver({ tls });
    const sender = new HttpSender(loopback, 2000, poolWithTestCa());
    try {
      for (let i = 0; i < 3; i++) expect(await sender.send(receiver.url(), `{"n":${i}}`, {})).toMatchObject({ ok: true, httpStatus: 200 });
      expect(receiver.exchanges.map((e) => [e.connection, e.nth, e.body])).toEqual([
        [1, 1, '{"n":0}'],
        [1, 2, '{"n":1}'],
        [1, 3, '{"n":2}'],
      ]);
      expect(receiver.counts.opened).toBe(1);
      if (tls) expect(receiver.counts.handshakes).toBe(1);
    } finally {
      await receiver.close();
    }
  });

  it('verifies the certificate against the URL host name (SNI too), not the pinned address', async () => {
    // The certificate names localhost and 127.0.0.1; the guard pins localhost to 127.0.0.2.
    const receiver = await countingReceiver({ tls: true, host: '127.0.0.2' });
    const pinned = new UrlGuard({ allowLoopback: true, resolver: async () => ['127.0.0.2'] });
    try {
      expect(await new HttpSender(pinned, 2000, poolWithTestCa()).send(receiver.url('/hook', 'localhost'), '{}', {})).toMatchObject({ ok: true });
      expect(receiver.exchanges.map((e) => [e.localAddress, e.servername])).toEqual([['127.0.0.2', 'localhost']]);
      // Without the test CA the certificate is not trusted: no pool option turns verification off.
      expect(await new HttpSender(pinned, 2000).send(receiver.url('/hook', 'localhost'), '{}', {})).toMatchObject({ ok: false, error: 'tls_error' });
    } finally {
      await receiver.close();
    }
  });

  it('never reuses a connection for another pinned address of the same URL', async () => {
    const first = await countingReceiver({ host: '127.0.0.1' });
    const second = await countingReceiver({ host: '127.0.0.2', port: first.port });
    const answers = ['127.0.0.1', '127.0.0.2', '127.0.0.1', '127.0.0.2'];
    const rebinding = new UrlGuard({ allowLoopback: true, resolver: async () => [answers.shift()!] });
    const sender = new HttpSender(rebinding, 2000, poolWithTestCa());
    try {
      for (let i = 0; i < 4; i++) expect(await sender.send(first.url('/hook', 'localhost'), '{}', {})).toMatchObject({ ok: true });
      // Each address got exactly its own two attempts, on one connection each.
      expect(first.exchanges.map((e) => [e.localAddress, e.connection, e.nth])).toEqual([
        ['127.0.0.1', 1, 1],
        ['127.0.0.1', 1, 2],
      ]);
      expect(second.exchanges.map((e) => [e.localAddress, e.connection, e.nth])).toEqual([
        ['127.0.0.2', 1, 1],
        ['127.0.0.2', 1, 2],
      ]);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('closes, and never reuses, the socket of an attempt that timed out or whose body passed 4 KiB', async () => {
    const receiver = await countingReceiver({
      answer: (req, res) => {
        if (req.url === '/big') res.end(Buffer.alloc(16 * 1024, 'y'));
        else if (req.url === '/small') res.end(Buffer.alloc(3000, 's'));
        else if (req.url !== '/hang') res.end('ok');
      },
    });
    const sender = new HttpSender(loopback, 1000, poolWithTestCa());
    try {
      const paths = ['/ok', '/small', '/big', '/ok', '/hang', '/ok'];
      const results = [];
      for (const path of paths) results.push(await sender.send(receiver.url(path), '{}', {}));
      expect(results.map((r) => r.httpStatus ?? r.error)).toEqual([200, 200, 200, 200, 'timeout', 200]);
      // /small (read to its end) kept its connection; /big and /hang each ended theirs.
      expect(receiver.exchanges.map((e) => [e.path, e.connection])).toEqual([
        ['/ok', 1],
        ['/small', 1],
        ['/big', 1],
        ['/ok', 2],
        ['/hang', 2],
        ['/ok', 3],
      ]);
      await waitFor(() => receiver.counts.closed === 2 || undefined, { what: () => JSON.stringify(receiver.counts) });
    } finally {
      await receiver.close();
    }
  });

  it('closes an idle connection after the idle timeout', async () => {
    const receiver = await countingReceiver({ answer: (_req, res) => res.writeHead(204, { connection: 'keep-alive' }).end() });
    const pool = poolWithTestCa({ idleTimeoutMs: 200 });
    try {
      expect(await new HttpSender(loopback, 2000, pool).send(receiver.url(), '{}', {})).toMatchObject({ ok: true, httpStatus: 204 });
      await waitFor(() => receiver.counts.closed === 1 || undefined, { timeoutMs: 5000, what: () => JSON.stringify(receiver.counts) });
      expect(pool.stats().idleSockets).toBe(0);
    } finally {
      await receiver.close();
    }
  });

  it('does not fail an attempt because the receiver closed the idle connection', async () => {
    // The receiver closes each connection right after its answer has gone out.
    const receiver = await countingReceiver({ answer: (req, res) => res.end('ok', () => req.socket.destroy()) });
    const sender = new HttpSender(loopback, 2000, poolWithTestCa());
    try {
      expect(await sender.send(receiver.url(), '{}', {})).toMatchObject({ ok: true });
      await waitFor(() => receiver.counts.closed === 1 || undefined, { what: () => JSON.stringify(receiver.counts) });
      expect(await sender.send(receiver.url(), '{}', {})).toMatchObject({ ok: true });
      expect(receiver.counts.opened).toBe(2);
    } finally {
      await receiver.close();
    }
  });

  it('retries once on a new connection when a reused one is reset before any byte of an answer', async () => {
    // The race of an idle close: the receiver drops the connection as the second request arrives
    // on it. The request did reach it, so the receiver sees it twice (the accepted duplicate).
    const receiver = await countingReceiver({ answer: (req, res, e) => (e.nth === 2 ? req.socket.resetAndDestroy() : res.end('ok')) });
    const sender = new HttpSender(loopback, 2000, poolWithTestCa());
    try {
      expect(await sender.send(receiver.url(), '{"n":1}', {})).toMatchObject({ ok: true });
      expect(await sender.send(receiver.url(), '{"n":2}', {})).toMatchObject({ ok: true, httpStatus: 200 });
      expect(receiver.exchanges.map((e) => [e.connection, e.nth, e.body])).toEqual([
        [1, 1, '{"n":1}'],
        [1, 2, '{"n":2}'],
        [2, 1, '{"n":2}'],
      ]);
    } finally {
      await receiver.close();
    }
  });

  it('does not retry a reset on a new connection, nor one after part of an answer came back', async () => {
    const receiver = await countingReceiver({
      answer: (req, res, e) => {
        if (req.url === '/reset') req.socket.resetAndDestroy();
        else if (e.nth === 1) res.end('ok');
        else req.socket.end('HTTP/1.1 20', () => req.socket.destroy());
      },
    });
    const sender = new HttpSender(loopback, 2000, poolWithTestCa());
    try {
      expect(await sender.send(receiver.url('/reset'), '{}', {})).toMatchObject({ ok: false, error: 'connection_reset' });
      expect(await sender.send(receiver.url('/first'), '{}', {})).toMatchObject({ ok: true });
      const partial = await sender.send(receiver.url('/partial'), '{}', {});
      expect(partial).toMatchObject({ ok: false, httpStatus: null });
      expect(receiver.exchanges.map((e) => e.path)).toEqual(['/reset', '/first', '/partial']);
    } finally {
      await receiver.close();
    }
  });

  it('keeps at most a few idle sockets per endpoint and in all, however many endpoints there are', async () => {
    const receivers = await Promise.all(Array.from({ length: 6 }, () => countingReceiver()));
    const pool = poolWithTestCa({ maxIdlePerEndpoint: 2, maxIdle: 3, maxEndpoints: 4 });
    const sender = new HttpSender(loopback, 2000, pool);
    const idleOnReceivers = () => receivers.reduce((n, r) => n + r.counts.opened - r.counts.closed, 0);
    try {
      // Five attempts at once to one endpoint: five connections, two kept.
      const results = await Promise.all(Array.from({ length: 5 }, () => sender.send(receivers[0]!.url(), '{}', {})));
      expect(results.every((r) => r.ok)).toBe(true);
      expect(receivers[0]!.counts.opened).toBe(5);
      await waitFor(() => idleOnReceivers() === 2 || undefined, { what: () => `${idleOnReceivers()} open` });
      expect(pool.stats()).toEqual({ endpoints: 1, idleSockets: 2 });
      // Then one attempt to each endpoint: at most three idle sockets, at most four agents.
      for (const receiver of receivers) expect(await sender.send(receiver.url(), '{}', {})).toMatchObject({ ok: true });
      expect(pool.stats()).toEqual({ endpoints: 4, idleSockets: 3 });
      await waitFor(() => idleOnReceivers() === 3 || undefined, { what: () => `${idleOnReceivers()} open` });
      pool.close();
      await waitFor(() => idleOnReceivers() === 0 || undefined, { what: () => `${idleOnReceivers()} open` });
    } finally {
      await Promise.all(receivers.map((r) => r.close()));
    }
  });

  it('lets an endpoint that holds its attempts delay no other endpoint', async () => {
    const held: ServerResponse[] = [];
    const stuck = await countingReceiver({ answer: (_req, res) => held.push(res) });
    const healthy = await countingReceiver();
    const sender = new HttpSender(loopback, 5000, poolWithTestCa());
    try {
      const waiting = Array.from({ length: 8 }, () => sender.send(stuck.url(), '{}', {}));
      await waitFor(() => held.length === 8 || undefined, { what: () => `${held.length} held` });
      expect(await sender.send(healthy.url(), '{}', {})).toMatchObject({ ok: true });
      for (const res of held) res.end('late');
      expect((await Promise.all(waiting)).every((r) => r.ok)).toBe(true);
    } finally {
      await stuck.close();
      await healthy.close();
    }
  });
});
