// A small client for the management API as an integrator would call it.
import type { LocalState } from '../../local/state-file.js';

export type ApiCallOptions = {
  body?: unknown;
  /** Sent as-is instead of JSON.stringify(body). */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  /** Credentials; defaults to the dev key. `null` sends none. */
  auth?: { apiKey: string; apiSecret: string } | null;
  basic?: boolean;
};

export type ApiResult<T = any> = { status: number; headers: Headers; body: T; text: string };

export function apiClient(state: LocalState) {
  const devKey = { apiKey: state.dev_api_key, apiSecret: state.dev_api_secret };
  return async function call<T = any>(method: string, path: string, options: ApiCallOptions = {}): Promise<ApiResult<T>> {
    const headers: Record<string, string> = {};
    const auth = options.auth === undefined ? devKey : options.auth;
    if (auth && options.basic) headers.authorization = `Basic ${Buffer.from(`${auth.apiKey}:${auth.apiSecret}`).toString('base64')}`;
    else if (auth) Object.assign(headers, { 'x-api-key': auth.apiKey, 'x-api-secret': auth.apiSecret });
    let body: string | Buffer | undefined = options.rawBody;
    if (body === undefined && options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(state.api_url + path, { method, headers: { ...headers, ...options.headers }, body });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  };
}
