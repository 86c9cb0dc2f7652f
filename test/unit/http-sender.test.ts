// The delivery HTTP client: connects only to the address the URL guard checked (pinned, so a
// DNS answer that changes between check and connect cannot redirect it), and reports refusals
// and network failures as short reasons.
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { HttpSender, USER_AGENT } from '../../lambdas/delivery/http-sender.js';
import { UrlGuard } from '../../lambdas/domain/url-guard.js';
import { type Receiver, startReceiver } from '../support/receiver.js';

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
