// The delivery HTTP client: connects only to the address the URL guard checked (pinned, so a
// DNS answer that changes between check and connect cannot redirect it), and reports refusals
// and network failures as short reasons.
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { HttpSender, USER_AGENT } from '../../lambdas/delivery/http-sender.js';
import { UrlGuard } from '../../lambdas/domain/url-guard.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
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

  it('closes the connection after an ordinary answer too (no keep-alive socket left open)', async () => {
    const hostile = await hostileReceiver((res) => res.writeHead(204, { connection: 'keep-alive' }).end());
    try {
      expect(await new HttpSender(guard, 2000).send(hostile.url, '{}', {})).toMatchObject({ ok: true, httpStatus: 204 });
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
