// One signed POST to a webhook URL: connect only to the address the URL guard checked (resolve
// once, pin it: no DNS rebinding window), no redirects, a hard deadline, only 2xx is success.
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { type UrlGuard, type UrlRefusal, UrlRefusedError } from '../domain/url-guard.js';

// Not `import http from 'node:http'`: on Node 24 an ESM import of node:http builds its whole
// namespace, whose lazy exports (WebSocket, MessageEvent, …) load undici, http2, worker_threads
// and assert — measured ~40 ms of each delivery function's cold start, against ~6 ms this way.
const http = /* @__PURE__ */ process.getBuiltinModule('node:http');

export const USER_AGENT = 'Buildmarkets-Webhooks/1.0';

export type SendResult = {
  ok: boolean;
  httpStatus: number | null;
  responseTimeMs: number | null;
  /** Short reason for failures without an HTTP status (timeout, connection_refused, …). */
  error: string | null;
};

/** At most this much of a response body is read; the rest is never waited for. */
export const MAX_RESPONSE_BODY_BYTES = 4096;

const TIMEOUT: SendResult = { ok: false, httpStatus: null, responseTimeMs: null, error: 'timeout' };
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

const pinnedLookup =
  (address: string): LookupFunction =>
  (_hostname, options, callback) => {
    const family = isIP(address);
    if ((options as { all?: boolean }).all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };

/**
 * One attempt: a single deadline covers DNS resolution, connect, TLS, headers and body (a body
 * that has not ended by then, however it trickles, is a timeout); at most
 * MAX_RESPONSE_BODY_BYTES of the body are read; every attempt has its own connection, destroyed
 * when the attempt ends, whatever happened (no keep-alive pool a hostile receiver could fill).
 */
export class HttpSender {
  constructor(
    private readonly urlGuard: UrlGuard,
    private readonly timeoutMs: number,
  ) {}

  /** `options.timeoutMs` shortens this attempt's deadline (the fast lane's, issue 18); never lengthens it. */
  async send(rawUrl: string, body: string, headers: Record<string, string>, options: { timeoutMs?: number } = {}): Promise<SendResult> {
    const started = performance.now();
    const timeoutMs = Math.min(this.timeoutMs, options.timeoutMs ?? Infinity);
    const remainingMs = () => timeoutMs - (performance.now() - started);
    let target: { url: URL; address: string };
    try {
      target = await withDeadline(this.urlGuard.resolveTarget(rawUrl), remainingMs());
    } catch (error) {
      if (error === DEADLINE) return TIMEOUT;
      const reason = error instanceof UrlRefusedError ? urlRefusalReason(error) : describeNetworkError(error);
      return { ok: false, httpStatus: null, responseTimeMs: null, error: reason };
    }
    if (remainingMs() <= 0) return TIMEOUT;
    return this.post(target, body, headers, started, remainingMs());
  }

  private post(
    { url, address }: { url: URL; address: string },
    body: string,
    headers: Record<string, string>,
    started: number,
    remainingMs: number,
  ): Promise<SendResult> {
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const transport = url.protocol === 'https:' ? https : http;
      const request = transport.request({
        protocol: url.protocol,
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        agent: false,
        lookup: pinnedLookup(address),
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      });
      // The attempt ends here, whatever state the exchange is in: the socket goes with it.
      const finish = (result: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.destroy();
        resolve(result);
      };
      const timer = setTimeout(() => finish(TIMEOUT), remainingMs);
      const failed = (error: unknown) => finish({ ok: false, httpStatus: null, responseTimeMs: null, error: describeNetworkError(error) });
      request.on('response', (response) => {
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
      });
      request.on('error', failed);
      request.end(body);
    });
  }
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
