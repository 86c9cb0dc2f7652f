// Keep-alive connections for the delivery POSTs within one function instance, which spare an
// attempt to a busy endpoint its TCP and TLS handshakes: an agent per (scheme, host, port, pinned
// address), so a socket is only ever reused for the address the URL guard checked on this very
// attempt, and the idle sockets are few and short-lived.
import type { Agent, ClientRequest } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { http } from '../shared/node-http.js';

export type ConnectionPoolOptions = {
  /**
   * Idle sockets kept per endpoint (scheme, host, port, address): the attempts one instance has in
   * flight to an endpoint at most (ENDPOINT_MAX_IN_FLIGHT, 4), so a steady stream of batches to
   * it finds a socket for each attempt (with 2, the bench's batches of 10 over 4 endpoints opened
   * 2 new connections per batch).
   */
  maxIdlePerEndpoint: number;
  /** Idle sockets kept in all, across endpoints: beyond it the longest-idle one is closed. */
  maxIdle: number;
  /** Endpoints with an agent: the least recently used beyond it is dropped and its idle sockets closed. */
  maxEndpoints: number;
  /**
   * An idle socket is closed after this long: well under the usual server keep-alive timeouts
   * (nginx 75 s, Node 5 s, ALB 60 s), so the server rarely closes it first. A shorter
   * `Keep-Alive: timeout=N` from the server wins (Node closes it a second before N).
   */
  idleTimeoutMs: number;
  /** Certificates to trust instead of the system's (tests and the bench: a self-signed loopback receiver). */
  ca?: string | Buffer;
};

export const DEFAULT_POOL_OPTIONS: ConnectionPoolOptions = { maxIdlePerEndpoint: 4, maxIdle: 64, maxEndpoints: 256, idleTimeoutMs: 4000 };

/** A URL the guard accepted, and the address it checked for this attempt. */
export type PinnedTarget = { url: URL; address: string };

/** Connects to `address` whatever name is asked for: the connection goes where the guard looked. */
export const pinnedLookup =
  (address: string): LookupFunction =>
  (_hostname, options, callback) => {
    const family = isIP(address);
    if ((options as { all?: boolean }).all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** The pool key: a socket is reused only for the same scheme, host name (TLS: SNI, certificate), port and address. */
export const poolKey = ({ url, address }: PinnedTarget) => `${url.protocol}//${url.hostname}:${url.port || DEFAULT_PORT[url.protocol]} @${address}`;

/**
 * Node's keep-alive agents, one per pool key, with the pinned lookup in the agent's own options
 * (they override a request's). Bounds: `maxIdlePerEndpoint` (4) idle sockets per key, `maxIdle`
 * (64) in all (the longest-idle is closed first), `maxEndpoints` (256) agents (LRU), `idleTimeoutMs`
 * (4 s) each. Only a socket whose response Node read to its end is offered back (Node's own rule:
 * an exchange ended any other way destroys its socket, and HttpSender destroys every exchange it
 * abandons), and Node destroys an idle socket that receives data. No limit on active sockets per
 * endpoint: a queue inside the agent would make one slow endpoint's attempts wait for each other
 * (the worker bounds attempts in flight per endpoint, endpoint-tracker.ts); the pool's bounds never
 * close a socket in use.
 */
export class ConnectionPool {
  private readonly options: ConnectionPoolOptions;
  private readonly agents = new Map<string, Agent>();
  /** Idle sockets across agents, longest idle first. */
  private readonly idle = new Set<Socket>();
  private readonly watched = new WeakSet<Socket>();

  constructor(options: Partial<ConnectionPoolOptions> = {}) {
    this.options = { ...DEFAULT_POOL_OPTIONS, ...options };
    if (this.options.maxIdle < 1 || this.options.maxIdlePerEndpoint < 1 || this.options.maxEndpoints < 1) {
      throw new Error('connection pool bounds must be at least 1');
    }
  }

  /** The keep-alive agent for a checked target; it connects only to `target.address`. */
  agentFor(target: PinnedTarget): Agent {
    const key = poolKey(target);
    const known = this.agents.get(key);
    if (known) {
      this.agents.delete(key);
      this.agents.set(key, known);
      return known;
    }
    const agent = this.createAgent(key, target, true);
    this.agents.set(key, agent);
    if (this.agents.size > this.options.maxEndpoints) this.retire(this.agents.keys().next().value!);
    return agent;
  }

  /** An agent that opens a new connection to the target and closes it after its one exchange. */
  freshAgent(target: PinnedTarget): Agent {
    return this.createAgent(poolKey(target), target, false);
  }

  /** Closes the target's idle sockets (after one of them turned out dead, the others likely are too). */
  closeIdle(target: PinnedTarget): void {
    closeIdleOf(this.agents.get(poolKey(target)));
  }

  /** Endpoints with an agent and idle sockets held, for tests and the bench. */
  stats(): { endpoints: number; idleSockets: number } {
    return { endpoints: this.agents.size, idleSockets: this.idle.size };
  }

  /** Closes every idle socket and forgets the agents; exchanges in flight end on their own sockets, which are then closed. */
  close(): void {
    for (const key of [...this.agents.keys()]) this.retire(key);
  }

  private createAgent(key: string, { url, address }: PinnedTarget, keepAlive: boolean): Agent {
    const options = { keepAlive, maxFreeSockets: this.options.maxIdlePerEndpoint, timeout: this.options.idleTimeoutMs, lookup: pinnedLookup(address) };
    const agent = url.protocol === 'https:' ? new https.Agent({ ...options, ...(this.options.ca ? { ca: this.options.ca } : {}) }) : new http.Agent(options);
    if (!keepAlive) return agent;
    // Node calls keepSocketAlive as the last check before it puts a socket on the agent's free
    // list, and reuseSocket when it takes one off; a retired agent keeps nothing.
    const keepSocketAlive = agent.keepSocketAlive.bind(agent) as (socket: Socket) => boolean;
    const reuseSocket = agent.reuseSocket.bind(agent);
    Object.assign(agent, {
      keepSocketAlive: (socket: Socket) => this.agents.get(key) === agent && keepSocketAlive(socket) && this.admit(socket),
      reuseSocket: (socket: Socket, request: ClientRequest) => {
        this.idle.delete(socket);
        reuseSocket(socket, request);
      },
    });
    return agent;
  }

  /** Counts a socket going idle, closing the longest-idle one if that makes too many. */
  private admit(socket: Socket): boolean {
    if (!this.watched.has(socket)) {
      this.watched.add(socket);
      socket.once('close', () => this.idle.delete(socket));
    }
    if (this.idle.size >= this.options.maxIdle) {
      const oldest = this.idle.values().next().value!;
      this.idle.delete(oldest);
      oldest.destroy();
    }
    this.idle.add(socket);
    return true;
  }

  private retire(key: string): void {
    const agent = this.agents.get(key);
    this.agents.delete(key);
    closeIdleOf(agent);
  }
}

/** Destroying an idle socket is how it leaves its agent's free list (Node removes it on 'close'). */
function closeIdleOf(agent: Agent | undefined): void {
  for (const sockets of Object.values(agent?.freeSockets ?? {})) for (const socket of sockets ?? []) socket.destroy();
}
