// One signed POST to a webhook URL: connect only to the address the URL guard checked (resolve
// once, pin it: no DNS rebinding window), no redirects, a hard deadline, only 2xx is success.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { ApiError } from '../domain/errors.js';
import type { UrlGuard } from '../domain/url-guard.js';

export const USER_AGENT = 'Buildmarkets-Webhooks/1.0';

export type SendResult = {
  ok: boolean;
  httpStatus: number | null;
  responseTimeMs: number | null;
  /** Short reason for failures without an HTTP status (timeout, connection_refused, …). */
  error: string | null;
};

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

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

export class HttpSender {
  constructor(
    private readonly urlGuard: UrlGuard,
    private readonly timeoutMs: number,
  ) {}

  async send(rawUrl: string, body: string, headers: Record<string, string>): Promise<SendResult> {
    let target: { url: URL; address: string };
    try {
      target = await this.urlGuard.resolveTarget(rawUrl);
    } catch (error) {
      const reason = error instanceof ApiError ? 'address_not_allowed' : describeNetworkError(error);
      return { ok: false, httpStatus: null, responseTimeMs: null, error: reason };
    }
    const { url, address } = target;
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const finish = (result: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const transport = url.protocol === 'https:' ? https : http;
      const request = transport.request({
        protocol: url.protocol,
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        agent: agents[url.protocol as 'http:' | 'https:'],
        lookup: pinnedLookup(address),
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      });
      const timer = setTimeout(() => {
        finish({ ok: false, httpStatus: null, responseTimeMs: null, error: 'timeout' });
        request.destroy();
      }, this.timeoutMs);
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        // Drain (and ignore) the body so the keep-alive connection can be reused.
        response.resume();
        finish({ ok: status >= 200 && status < 300, httpStatus: status, responseTimeMs: elapsed(), error: null });
      });
      request.on('error', (error) => finish({ ok: false, httpStatus: null, responseTimeMs: null, error: describeNetworkError(error) }));
      request.end(body);
    });
  }
}
