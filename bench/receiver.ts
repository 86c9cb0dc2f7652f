// The parent's handle on the receiver process (receiver-process.ts): start it, give it the
// webhook secrets, switch recording on and off, collect receipts and counters.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './paths.js';
import type { FromReceiver, Receipt, ReceiverStats, ToReceiver } from './receiver-process.js';
import { processCpuSeconds } from './runtime.js';

export type { Receipt, ReceiverStats };

export class Receivers {
  private onReceipts: (items: Receipt[]) => void = () => {};
  private waiters: { type: FromReceiver['type']; resolve: (m: FromReceiver) => void }[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly ports: number[],
  ) {}

  static async start(count: number): Promise<Receivers> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'receiver-process.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ports = await new Promise<number[]>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the receiver process exited (${code}) before listening`)));
      child.once('message', (m: FromReceiver) => (m.type === 'ready' ? resolve(m.ports) : reject(new Error(`unexpected ${m.type}`))));
      child.send({ type: 'listen', count } satisfies ToReceiver);
    });
    child.removeAllListeners('exit');
    const receivers = new Receivers(child, ports);
    child.on('message', (m: FromReceiver) => receivers.handle(m));
    return receivers;
  }

  get pid(): number {
    return this.child.pid!;
  }

  url(index: number, path = `/hooks/${index}`): string {
    return `http://127.0.0.1:${this.ports[index]}${path}`;
  }

  setSecrets(secrets: string[]): void {
    this.child.send({ type: 'secrets', secrets } satisfies ToReceiver);
  }

  record(on: boolean, onReceipts?: (items: Receipt[]) => void): void {
    if (onReceipts) this.onReceipts = onReceipts;
    this.child.send({ type: 'record', on } satisfies ToReceiver);
  }

  async stats(): Promise<ReceiverStats> {
    const m = await this.ask({ type: 'stats' }, 'stats');
    const { type: _type, ...stats } = m as { type: 'stats' } & ReceiverStats;
    return stats;
  }

  /** Waits until every receipt recorded so far has reached the parent. */
  async flush(): Promise<void> {
    await this.ask({ type: 'flush' }, 'flushed');
  }

  /** CPU seconds of the receiver process (from /proc; independent of its event loop). */
  cpuSeconds(): number {
    return processCpuSeconds(this.pid);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'close' } satisfies ToReceiver);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private ask(message: ToReceiver, reply: FromReceiver['type']): Promise<FromReceiver> {
    return new Promise((resolve) => {
      this.waiters.push({ type: reply, resolve });
      this.child.send(message);
    });
  }

  private handle(m: FromReceiver): void {
    if (m.type === 'receipts') {
      this.onReceipts(m.items);
      return;
    }
    const i = this.waiters.findIndex((w) => w.type === m.type);
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
  }
}
