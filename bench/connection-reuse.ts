// `connection_reuse` (issue 18): the delivery HttpSender against local HTTPS receivers, with its
// connection pool (one sender for every attempt, as in a delivery function instance) and without
// (a new sender and pool per attempt: a new connection and TLS handshake each time, as before
// the pool). Batches of `batchSize` attempts in parallel, spread over a few endpoints, the two
// modes alternating batch by batch so load from elsewhere on the machine hits both alike. The
// receivers run in a child process and count TCP connections and TLS handshakes per endpoint.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { ConnectionPool } from '../lambdas/delivery/connection-pool.js';
import { HttpSender } from '../lambdas/delivery/http-sender.js';
import { UrlGuard } from '../lambdas/domain/url-guard.js';
import { progress } from './log.js';
import { ROOT } from './paths.js';
import { type LatencySummary, round, summarise } from './stats.js';

export type ReuseRun = {
  attempts: number;
  ok: number;
  failed: number;
  tcp_connections: number;
  tls_handshakes: number;
  attempt_ms: LatencySummary;
  /** A batch lasts as long as its slowest attempt. */
  batch_ms: LatencySummary;
};

export type ConnectionReuseResult = {
  receiver: string;
  endpoints: number;
  batch_size: number;
  batches: number;
  without_reuse: ReuseRun;
  with_reuse: ReuseRun;
  handshakes_saved: number;
  handshakes_saved_pct: number | null;
  attempt_p50_ratio: number | null;
  batch_p50_ratio: number | null;
  loadavg_at_start: number[];
  loadavg_at_end: number[];
  note: string;
};

const TLS_DIR = join(ROOT, 'test', 'support', 'tls');

/** The receivers: plain JavaScript for `node -e`, HTTPS servers on 127.0.0.1 that answer 200 "ok". */
const RECEIVER_SCRIPT = `
const https = require('node:https');
const counts = [];
const servers = [];
process.on('message', (m) => {
  if (m.type === 'listen') {
    let pending = m.count;
    const ports = [];
    for (let i = 0; i < m.count; i++) {
      const c = { connections: 0, handshakes: 0 };
      counts.push(c);
      const server = https.createServer({ key: m.key, cert: m.cert }, (req, res) => {
        req.resume();
        req.on('end', () => res.end('ok'));
      });
      server.on('connection', () => c.connections++);
      server.on('secureConnection', () => c.handshakes++);
      servers.push(server);
      server.listen(0, '127.0.0.1', () => {
        ports[i] = server.address().port;
        if (--pending === 0) process.send({ type: 'ready', ports });
      });
    }
  } else if (m.type === 'counts') process.send({ type: 'counts', counts });
  else if (m.type === 'close') {
    for (const s of servers) s.closeAllConnections(), s.close();
    process.disconnect();
  }
});
`;

class TlsReceivers {
  private constructor(
    private readonly child: ChildProcess,
    readonly ports: number[],
  ) {}

  static async start(count: number): Promise<TlsReceivers> {
    const child = spawn(process.execPath, ['-e', RECEIVER_SCRIPT], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ports = await new Promise<number[]>((resolve, reject) => {
      child.once('error', reject);
      child.once('message', (m: { type: string; ports: number[] }) => (m.type === 'ready' ? resolve(m.ports) : reject(new Error(`unexpected ${m.type}`))));
      child.send({ type: 'listen', count, key: readFileSync(join(TLS_DIR, 'localhost-key.pem'), 'utf8'), cert: readFileSync(join(TLS_DIR, 'localhost-cert.pem'), 'utf8') });
    });
    return new TlsReceivers(child, ports);
  }

  counts(): Promise<{ connections: number; handshakes: number }[]> {
    return new Promise((resolve) => {
      this.child.once('message', (m: { counts: { connections: number; handshakes: number }[] }) => resolve(m.counts));
      this.child.send({ type: 'counts' });
    });
  }

  async stop(): Promise<void> {
    if (!this.child.connected) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'close' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

export async function runConnectionReuse(options: { endpoints: number; batchSize: number; batches: number; timeoutMs?: number }): Promise<ConnectionReuseResult> {
  const loadStart = loadavg().map((l) => round(l, 2)!);
  const { endpoints, batchSize, batches } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  // Endpoints [0, n) for the pooled sender, [n, 2n) for the unpooled one: separate counters.
  const receivers = await TlsReceivers.start(2 * endpoints);
  const ca = readFileSync(join(TLS_DIR, 'localhost-cert.pem'), 'utf8');
  const guard = new UrlGuard({ allowLoopback: true });
  const pooled = new HttpSender(guard, timeoutMs, new ConnectionPool({ ca }));
  const url = (i: number) => `https://127.0.0.1:${receivers.ports[i]}/hook`;
  type Tally = { attempts: number[]; batches: number[]; ok: number; failed: number };
  const tally = (): Tally => ({ attempts: [], batches: [], ok: 0, failed: 0 });
  const withReuse = tally();
  const withoutReuse = tally();

  const batch = async (t: Tally, sender: () => HttpSender, offset: number) => {
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
  };

  progress(`connection_reuse: ${batches} batches of ${batchSize} attempts to ${endpoints} HTTPS endpoints, with and without the pool…`);
  try {
    for (let b = 0; b < batches; b++) {
      await batch(withoutReuse, () => new HttpSender(guard, timeoutMs, new ConnectionPool({ ca })), endpoints);
      await batch(withReuse, () => pooled, 0);
    }
    const counts = await receivers.counts();
    const sum = (from: number, key: 'connections' | 'handshakes') => counts.slice(from, from + endpoints).reduce((n, c) => n + c[key], 0);
    const run = (t: Tally, from: number): ReuseRun => ({
      attempts: t.attempts.length,
      ok: t.ok,
      failed: t.failed,
      tcp_connections: sum(from, 'connections'),
      tls_handshakes: sum(from, 'handshakes'),
      attempt_ms: summarise(t.attempts),
      batch_ms: summarise(t.batches),
    });
    const without = run(withoutReuse, endpoints);
    const withPool = run(withReuse, 0);
    const saved = without.tls_handshakes - withPool.tls_handshakes;
    const ratio = (a: number | null, b: number | null) => (a && b ? round(a / b, 2) : null);
    return {
      receiver: `${2 * endpoints} HTTPS servers (self-signed ECDSA P-256, Node's default TLS 1.3) in a child process on 127.0.0.1`,
      endpoints,
      batch_size: batchSize,
      batches,
      without_reuse: without,
      with_reuse: withPool,
      handshakes_saved: saved,
      handshakes_saved_pct: without.tls_handshakes ? round((saved / without.tls_handshakes) * 100, 1) : null,
      attempt_p50_ratio: ratio(without.attempt_ms.p50_ms, withPool.attempt_ms.p50_ms),
      batch_p50_ratio: ratio(without.batch_ms.p50_ms, withPool.batch_ms.p50_ms),
      loadavg_at_start: loadStart,
      loadavg_at_end: loadavg().map((l) => round(l, 2)!),
      note:
        'Loopback: no network round trips, so the time saved here is the handshake work alone (key exchange, certificate signature and verification, both sides on this machine). Over a network each handshake saved is also ~2 round trips (TCP + TLS 1.3; 3 with TLS 1.2) before the request can go out.',
    };
  } finally {
    await receivers.stop();
  }
}
