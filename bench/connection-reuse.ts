// `connection_reuse`: the delivery HttpSender against loopback HTTPS receivers (a child process counting
// connections and handshakes), with its pool (one sender for every attempt, as in an instance) and without (a new
// sender and pool per attempt). The two alternate batch by batch, so load from elsewhere hits both alike.
import { ConnectionPool } from '../lambdas/delivery/connection-pool.js';
import { HttpSender } from '../lambdas/delivery/http-sender.js';
import { UrlGuard } from '../lambdas/domain/url-guard.js';
import { LOOPBACK_TLS } from '../test/support/tls.js';
import { Receivers } from './receivers.js';
import { progress, round, summarise } from './util.js';

type Tally = { attempts: number[]; batches: number[]; ok: number; failed: number };

/** `batchSize` attempts at once over `endpoints` endpoints from `offset`; a batch lasts as long as its slowest attempt. */
async function batch(t: Tally, sender: () => HttpSender, url: (i: number) => string, batchSize: number, endpoints: number, offset: number) {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: batchSize }, async (_, j) => {
      const t0 = performance.now();
      const result = await sender().send(url(offset + (j % endpoints)), JSON.stringify({ n: j }), {});
      t.attempts.push(performance.now() - t0);
      if (result.ok) t.ok++;
      else t.failed++;
    }),
  );
  t.batches.push(performance.now() - started);
}

export async function runConnectionReuse({ endpoints, batchSize, batches }: { endpoints: number; batchSize: number; batches: number }) {
  // Endpoints [0, n) for the pooled sender, [n, 2n) for the unpooled one: separate counters.
  const receivers = await Receivers.start(2 * endpoints, LOOPBACK_TLS);
  const guard = new UrlGuard({ allowLoopback: true });
  const newSender = () => new HttpSender(guard, 10_000, new ConnectionPool({ ca: LOOPBACK_TLS.cert }));
  const pooled = newSender();
  const [withReuse, withoutReuse]: Tally[] = [0, 0].map(() => ({ attempts: [], batches: [], ok: 0, failed: 0 }));
  progress(`connection_reuse: ${batches} batches of ${batchSize} attempts to ${endpoints} HTTPS endpoints, with and without the pool…`);
  try {
    for (let b = 0; b < batches; b++) {
      await batch(withoutReuse!, newSender, receivers.url, batchSize, endpoints, endpoints);
      await batch(withReuse!, () => pooled, receivers.url, batchSize, endpoints, 0);
    }
    const counts = (await receivers.stats()).endpoints;
    const sum = (from: number, key: 'connections' | 'handshakes') => counts.slice(from, from + endpoints).reduce((n, c) => n + c[key], 0);
    const run = (t: Tally, from: number) => ({
      attempts: t.attempts.length, ok: t.ok, failed: t.failed, tcp_connections: sum(from, 'connections'), tls_handshakes: sum(from, 'handshakes'),
      attempt_ms: summarise(t.attempts), batch_ms: summarise(t.batches),
    });
    const [without, withPool] = [run(withoutReuse!, endpoints), run(withReuse!, 0)];
    const saved = without.tls_handshakes - withPool.tls_handshakes;
    return {
      receiver: `${2 * endpoints} HTTPS servers (self-signed ECDSA P-256, Node's default TLS 1.3) in a child process on 127.0.0.1`,
      endpoints, batch_size: batchSize, batches, without_reuse: without, with_reuse: withPool, handshakes_saved: saved,
      handshakes_saved_pct: without.tls_handshakes ? round((saved / without.tls_handshakes) * 100, 1) : null,
      note: 'Loopback: no network round trips, so the time saved here is the handshake work alone (key exchange, certificate signature and verification, both sides on this machine). Over a network each handshake saved is also ~2 round trips (TCP + TLS 1.3; 3 with TLS 1.2) before the request can go out.',
    };
  } finally {
    await receivers.stop();
  }
}
