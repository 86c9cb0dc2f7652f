// The bench's receivers: N loopback receivers (local/receiver.ts) in a child process, one port per webhook (as partners
// have distinct hosts), verifying every signature; receipts, stats and flushes over IPC.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { header, type Received, type Receiver, startReceiver } from '../local/receiver.js';
import { epochMs, processCpuSeconds, ROOT } from './util.js';

export type Receipt = [eventId: string, webhook: number, receivedAt: number, verified: 0 | 1];
export type ReceiverStats = { received: number; verified: number; rejected: number; request_bytes: number; endpoints: { connections: number; handshakes: number }[] };
type ToChild = { type: 'listen'; count: number; tls?: { key: string; cert: string } } | { type: 'secrets'; secrets: string[] } | { type: 'record'; on: boolean } | { type: 'stats' | 'flush' | 'close' };
type FromChild = { type: 'ready'; ports: number[] } | { type: 'receipts'; items: Receipt[] } | ({ type: 'stats' } & ReceiverStats) | { type: 'flush' };

const THIS_FILE = fileURLToPath(import.meta.url);

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

  url = (index: number) => `${this.scheme}://127.0.0.1:${this.ports[index]}/hooks/${index}`;
  setSecrets = (secrets: string[]) => void this.child.send({ type: 'secrets', secrets } satisfies ToChild);

  record(on: boolean, onReceipts?: (items: Receipt[]) => void): void {
    if (onReceipts) this.onReceipts = onReceipts;
    this.child.send({ type: 'record', on } satisfies ToChild);
  }

  stats = async () => (await this.ask('stats')) as ReceiverStats;
  /** Waits until every receipt recorded so far has reached the parent. */
  flush = async () => void (await this.ask('flush'));
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
      send({ type: 'stats', ...counts, endpoints: receivers.map((r) => ({ ...r.counts })) });
    } else if (m.type === 'close') {
      await Promise.all(receivers.map((r) => r.close()));
      process.disconnect();
    }
  });
}

if (process.argv[1] === THIS_FILE && process.send) serveChild();
