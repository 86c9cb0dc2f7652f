// One signed POST to a webhook URL: connect only to the address the URL guard checked (resolve
// once per attempt, pin it: no DNS rebinding window), no redirects, a hard deadline, only 2xx is
// success. Connections are kept alive per endpoint and pinned address (connection-pool.ts).
import type { Agent, ClientRequest, IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { type AttemptResult, noAnswer } from '../domain/delivery.js';
import { type UrlGuard, type UrlRefusal, UrlRefusedError } from '../domain/url-guard.js';
import { http } from '../shared/node-http.js';
import { ConnectionPool, type PinnedTarget } from './connection-pool.js';

export const USER_AGENT = 'Buildmarkets-Webhooks/1.0';

/** At most this much of a response body is read; the rest is never waited for. */
export const MAX_RESPONSE_BODY_BYTES = 4096;

const TIMEOUT = noAnswer('timeout');
const RESET = noAnswer('connection_reset');
const DEADLINE = Symbol('deadline');

/** The guard's refusals as the delivery history names them (an empty DNS answer is a DNS failure). */
const REFUSAL_REASON: Record<UrlRefusal, string> = {
  invalid_url: 'invalid_url',
  port_not_allowed: 'port_not_allowed',
  address_not_allowed: 'address_not_allowed',
  dns_no_answer: 'dns_resolution_failed',
};
const urlRefusalReason = (error: UrlRefusedError) => REFUSAL_REASON[error.refusal];

/** Maps Node network errors to the short reasons shown in the delivery history. */
export function describeNetworkError(error: unknown): string {
  const code = (error as { code?: string }).code ?? '';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection_reset';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') return 'dns_resolution_failed';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'host_unreachable';
  if (code.startsWith('ERR_TLS') || code.startsWith('CERT_') || code.includes('SELF_SIGNED') || code === 'EPROTO') return 'tls_error';
  return 'network_error';
}

/** A reused socket the server had closed: reset before any byte of an answer came back. */
const STALE = Symbol('stale');

/**
 * One attempt: a single deadline covers DNS resolution, connect, TLS, headers and body (a body
 * that has not ended by then, however it trickles, is a timeout); at most
 * MAX_RESPONSE_BODY_BYTES of the body are read. The name is resolved and checked on every attempt;
 * the connection comes from the pool for (scheme, host, port, that address). Only an exchange
 * whose response ended within the cap leaves its socket to the pool: a timeout, an error, a body
 * over the cap or a request the server answered before it was sent in full destroys it.
 *
 * A reused socket that fails with ECONNRESET/EPIPE before any byte of a response (the server
 * closed the idle connection as the request went out) is retried once, within the same deadline,
 * on a new connection closed after its exchange, and the endpoint's other idle sockets are closed.
 * The risk accepted: a server that read the request, acted on it and then dropped the connection
 * without a byte of answer gets it twice (same delivery id and signature; at-least-once, SPEC §4).
 */
export class HttpSender {
  constructor(
    private readonly urlGuard: UrlGuard,
    private readonly timeoutMs: number,
    private readonly pool: ConnectionPool = new ConnectionPool(),
  ) {}

  /** `options.timeoutMs` shortens this attempt's deadline (the fast lane's); never lengthens it. */
  async send(rawUrl: string, body: string, headers: Record<string, string>, options: { timeoutMs?: number } = {}): Promise<AttemptResult> {
    const started = performance.now();
    const timeoutMs = Math.min(this.timeoutMs, options.timeoutMs ?? Infinity);
    const remainingMs = () => timeoutMs - (performance.now() - started);
    let target: PinnedTarget;
    try {
      target = await withDeadline(this.urlGuard.resolveTarget(rawUrl), remainingMs());
    } catch (error) {
      if (error === DEADLINE) return TIMEOUT;
      const reason = error instanceof UrlRefusedError ? urlRefusalReason(error) : describeNetworkError(error);
      return noAnswer(reason);
    }
    if (remainingMs() <= 0) return TIMEOUT;
    const first = await this.post(this.pool.agentFor(target), target.url, body, headers, started, remainingMs());
    if (first !== STALE) return first;
    this.pool.closeIdle(target);
    if (remainingMs() <= 0) return TIMEOUT;
    const retried = await this.post(this.pool.freshAgent(target), target.url, body, headers, started, remainingMs());
    return retried === STALE ? RESET : retried;
  }

  private post(
    agent: Agent,
    url: URL,
    body: string,
    headers: Record<string, string>,
    started: number,
    remainingMs: number,
  ): Promise<AttemptResult | typeof STALE> {
    return new Promise((resolve) => {
      let settled = false;
      let answered = false;
      let socket: Socket | undefined;
      const request = postRequest(agent, url, body, headers);
      const onData = () => (answered = true);
      request.on('socket', (s: Socket) => {
        socket = s;
        s.on('data', onData);
      });
      // The attempt ends here. Unless Node has already handed the socket back to the pool (it
      // does so, and marks the request destroyed, when the response ended), it goes with it.
      const finish = (result: AttemptResult | typeof STALE) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket?.off('data', onData);
        request.destroy();
        resolve(result);
      };
      const timer = setTimeout(() => finish(TIMEOUT), remainingMs);
      const failed = (error: unknown) => {
        const code = (error as { code?: string }).code;
        if (request.reusedSocket && !answered && (code === 'ECONNRESET' || code === 'EPIPE')) finish(STALE);
        else finish(noAnswer(describeNetworkError(error)));
      };
      request.on('response', (response) => {
        answered = true;
        readResponse(response, started, finish, failed);
      });
      request.on('error', failed);
      request.end(body);
    });
  }
}

/** The POST of `body` to the pinned `url`, on `agent`'s connections (not sent until `end`). */
function postRequest(agent: Agent, url: URL, body: string, headers: Record<string, string>): ClientRequest {
  const transport = url.protocol === 'https:' ? https : http;
  return transport.request({
    protocol: url.protocol,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port || undefined,
    path: `${url.pathname}${url.search}`,
    method: 'POST',
    agent,
    headers: {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'content-length': Buffer.byteLength(body),
      ...headers,
    },
  });
}

/** `finish` with the status once the response ended or MAX_RESPONSE_BODY_BYTES of its body came; `failed` if it broke off. */
function readResponse(
  response: IncomingMessage,
  started: number,
  finish: (result: AttemptResult) => void,
  failed: (error: unknown) => void,
): void {
  const status = response.statusCode ?? 0;
  const done = () =>
    finish({ ok: status >= 200 && status < 300, httpStatus: status, responseTimeMs: Math.round(performance.now() - started), error: null });
  let read = 0;
  response.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read >= MAX_RESPONSE_BODY_BYTES) done();
  });
  response.on('end', done);
  response.on('error', failed);
  // Closed before its end (Node versions differ in whether 'error' comes first).
  response.on('close', () => failed({ code: 'ECONNRESET' }));
}

/** Rejects with DEADLINE once `ms` have passed (the promise itself is left to settle unobserved). */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(DEADLINE), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
