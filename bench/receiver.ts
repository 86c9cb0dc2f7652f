// The one loopback webhook receiver (`npm run receiver`, the tests, the bench). `startReceiver`: an HTTP(S) server on
// 127.0.0.1 answering as scripted per path. `Receivers`: the bench's N of them in a child process (one port per webhook,
// as partners have distinct hosts), verifying every signature, receipts over IPC.
import { type ChildProcess, spawn } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { tappSignature } from '../lambdas/domain/signing.js';
import { epochMs, processCpuSeconds, ROOT } from './util.js';

export type Received = { method: string; path: string; headers: IncomingHttpHeaders; body: string; receivedAt: number; bytes: number; status?: number; verified?: boolean };

export type Behaviour = {
  /** Used in turn, the last one repeats. */
  statuses?: number[];
  delayMs?: number;
  redirectTo?: string;
  /** Read the request and never answer (a black hole). */
  hang?: boolean;
  /** Decides each answer from the request's body (its status and delay win over `statuses` and `delayMs`). */
  decide?: (body: string) => { status?: number; delayMs?: number; body?: string };
};

export type ReceiverOptions = {
  port?: number;
  tls?: { key: string; cert: string };
  /** The webhook's secret, read per request: then both signatures are checked, and a failure is answered 401. */
  secret?: () => string | undefined;
  /** How unscripted paths answer (default 200). */
  behaviour?: (path: string) => Behaviour;
  onRequest?: (r: Received) => void;
  /** false: keep no log (the bench's load). */
  log?: boolean;
  keepAliveMs?: number;
};

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

export const header = (headers: IncomingHttpHeaders, name: string): string => [headers[name] ?? ''].flat().join(',');

/** Both signatures of a delivery, checked as a partner would: X-TAPP-Signature, and Standard Webhooks with its own library. */
export function checkSignatures(secret: string, body: string, headers: IncomingHttpHeaders): { tapp: boolean; standard: boolean; verified: boolean } {
  const expected = Buffer.from(tappSignature(secret, body));
  const actual = Buffer.from(header(headers, 'x-tapp-signature'));
  const tapp = actual.length === expected.length && timingSafeEqual(actual, expected);
  let eventId: unknown;
  try {
    const names = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;
    eventId = (new Webhook(secret).verify(body, Object.fromEntries(names.map((n) => [n, header(headers, n)]))) as { event_id?: unknown }).event_id;
  } catch {
    return { tapp, standard: false, verified: false };
  }
  return { tapp, standard: true, verified: tapp && eventId === header(headers, 'webhook-id') && eventId === header(headers, 'x-tapp-event-id') };
}

/** HTTP/1.1 bytes of a request: request line + header lines as received + blank line + body. */
function requestBytes(req: IncomingMessage, body: Buffer): number {
  let n = Buffer.byteLength(`${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`) + 2;
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) n += Buffer.byteLength(req.rawHeaders[i]!) + 2 + Buffer.byteLength(req.rawHeaders[i + 1]!) + 2;
  return n + body.length;
}

export async function startReceiver(options: ReceiverOptions = {}) {
  const scripts = new Map<string, Behaviour>();
  const seen = new Map<string, number>();
  const log: Received[] = [];
  const counts = { connections: 0, handshakes: 0 };
  const answer = (r: Received, res: ServerResponse) => {
    const behaviour = scripts.get(r.path) ?? options.behaviour?.(r.path) ?? {};
    const n = seen.get(r.path) ?? 0;
    seen.set(r.path, n + 1);
    const statuses = behaviour.statuses ?? [200];
    const decided = behaviour.decide?.(r.body) ?? {};
    if (!behaviour.hang) r.status = r.verified === false ? 401 : behaviour.redirectTo ? 302 : (decided.status ?? statuses[Math.min(n, statuses.length - 1)]!);
    if (options.log !== false) log.push(r);
    options.onRequest?.(r);
    if (behaviour.hang) return;
    const send = () => {
      if (res.destroyed) return;
      if (behaviour.redirectTo) return void res.writeHead(302, { location: behaviour.redirectTo }).end();
      const text = decided.body ?? (r.status === 401 ? 'no' : 'ok');
      res.writeHead(r.status!, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(text)) }).end(text);
    };
    const delayMs = decided.delayMs ?? behaviour.delayMs;
    if (delayMs) setTimeout(send, delayMs).unref();
    else send();
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const r: Received = { method: req.method ?? '', path: req.url ?? '/', headers: req.headers, body: raw.toString('utf8'), receivedAt: Date.now(), bytes: requestBytes(req, raw) };
      const secret = options.secret?.();
      if (secret !== undefined) r.verified = checkSignatures(secret, r.body, r.headers).verified;
      answer(r, res);
    });
  };
  const server = options.tls ? createTlsServer(options.tls, onRequest) : createServer(onRequest);
  server.on('connection', () => counts.connections++);
  server.on('secureConnection', () => counts.handshakes++);
  if (options.keepAliveMs) [server.keepAliveTimeout, server.headersTimeout] = [options.keepAliveMs, options.keepAliveMs + 1000];
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const origin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (path: string) => `${origin}${path}`,
    script: (path: string, behaviour: Behaviour) => void scripts.set(path, behaviour),
    received: (path?: string) => (path === undefined ? [...log] : log.filter((r) => r.path === path)),
    /** TCP connections and TLS handshakes accepted so far. */
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** [event_id, webhook index, received at (epoch ms), verified 0/1] */
export type Receipt = [eventId: string, webhook: number, receivedAt: number, verified: 0 | 1];
export type ReceiverStats = { received: number; verified: number; rejected: number; cpu_seconds: number; request_bytes: number; endpoints: { connections: number; handshakes: number }[] };
type ToChild = { type: 'listen'; count: number; tls?: { key: string; cert: string } } | { type: 'secrets'; secrets: string[] } | { type: 'record'; on: boolean } | { type: 'stats' | 'flush' | 'close' };
type FromChild = { type: 'ready'; ports: number[] } | { type: 'receipts'; items: Receipt[] } | ({ type: 'stats' } & ReceiverStats) | { type: 'flush' };

const THIS_FILE = fileURLToPath(import.meta.url);

/** The bench's receivers in a child process (this file run with tsx): setSecrets, record, stats and flush over IPC. */
export class Receivers {
  private onReceipts: (items: Receipt[]) => void = () => {};
  /** Answers to `stats` and `flush`, in the order asked (IPC keeps the order). */
  private replies: ((m: FromChild) => void)[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly ports: number[],
    private readonly scheme: string,
  ) {
    child.on('message', (m: FromChild) => (m.type === 'receipts' ? this.onReceipts(m.items) : this.replies.shift()?.(m)));
  }

  /** `count` receivers; with `tls`, HTTPS (for connection and handshake counts). */
  static async start(count: number, tls?: { key: string; cert: string }): Promise<Receivers> {
    const child = spawn(process.execPath, ['--import', 'tsx', THIS_FILE], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ports = await new Promise<number[]>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the receiver process exited (${code}) before listening`)));
      child.once('message', (m: FromChild) => (m.type === 'ready' ? resolve(m.ports) : reject(new Error(`unexpected ${m.type}`))));
      child.send({ type: 'listen', count, tls } satisfies ToChild);
    });
    child.removeAllListeners('exit');
    return new Receivers(child, ports, tls ? 'https' : 'http');
  }

  url = (index: number, path = `/hooks/${index}`) => `${this.scheme}://127.0.0.1:${this.ports[index]}${path}`;
  setSecrets = (secrets: string[]) => void this.child.send({ type: 'secrets', secrets } satisfies ToChild);

  record(on: boolean, onReceipts?: (items: Receipt[]) => void): void {
    if (onReceipts) this.onReceipts = onReceipts;
    this.child.send({ type: 'record', on } satisfies ToChild);
  }

  stats = async () => (await this.ask('stats')) as ReceiverStats;
  /** Waits until every receipt recorded so far has reached the parent. */
  flush = async () => void (await this.ask('flush'));
  /** CPU seconds of the receiver process (from /proc; independent of its event loop). */
  cpuSeconds = () => processCpuSeconds(this.child.pid!);

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'close' } satisfies ToChild);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private ask(type: 'stats' | 'flush'): Promise<FromChild> {
    return new Promise((resolve) => {
      this.replies.push(resolve);
      this.child.send({ type } satisfies ToChild);
    });
  }
}

/** The child's side: receipts are batched to the parent every 100 ms while recording. */
function serveChild(): void {
  const send = (m: FromChild) => process.send!(m);
  const counts = { received: 0, verified: 0, rejected: 0, request_bytes: 0 };
  const receivers: Receiver[] = [];
  let secrets: string[] = [];
  let recording = false;
  let pending: Receipt[] = [];
  const flush = () => {
    if (pending.length > 0) send({ type: 'receipts', items: pending });
    pending = [];
  };
  const onRequest = (index: number) => (r: Received) => {
    const at = epochMs();
    counts.received++;
    counts.request_bytes += r.bytes;
    counts[r.verified ? 'verified' : 'rejected']++;
    if (recording) pending.push([header(r.headers, 'x-tapp-event-id'), index, at, r.verified ? 1 : 0]);
  };
  setInterval(flush, 100).unref();
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (m: ToChild) => {
    if (m.type === 'listen') {
      // Longer than any idle gap in the bench, so a reused keep-alive socket is never closed under a request.
      const start = (i: number) => startReceiver({ tls: m.tls, log: false, keepAliveMs: m.tls ? undefined : 65_000, secret: () => secrets[i], onRequest: onRequest(i) });
      receivers.push(...(await Promise.all(Array.from({ length: m.count }, (_, i) => start(i)))));
      send({ type: 'ready', ports: receivers.map((r) => Number(new URL(r.url('/')).port)) });
    } else if (m.type === 'secrets') secrets = m.secrets;
    else if (m.type === 'record') {
      flush();
      recording = m.on;
    } else if (m.type === 'flush') {
      flush();
      send({ type: 'flush' });
    } else if (m.type === 'stats') {
      const cpu = process.cpuUsage();
      send({ type: 'stats', ...counts, cpu_seconds: (cpu.user + cpu.system) / 1e6, endpoints: receivers.map((r) => ({ ...r.counts })) });
    } else if (m.type === 'close') {
      await Promise.all(receivers.map((r) => r.close()));
      process.disconnect();
    }
  });
}

if (process.argv[1] === THIS_FILE && process.send) serveChild();
