// The public API (SPEC §2, §7) as the portal calls it: same origin, the credentials as headers,
// every error turned into an ApiFailure that carries the envelope's message, code and request id.
import type { CreatedWebhook, DeliveryAttempt, Page, Webhook } from './types.js';

export type Credentials = { apiKey: string; apiSecret: string };

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
    readonly field?: string,
  ) {
    super(message);
  }
}

type ErrorEnvelope = { error?: { code?: unknown; message?: unknown; field?: unknown; request_id?: unknown } };

/** API paths are resolved against the page (`/portal` → `/v1/...`), so a path prefix in front of both still works. */
const apiUrl = (path: string) => new URL(path.replace(/^\//, ''), document.baseURI).toString();

const nextCursor = (response: Response): string | null => {
  const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '');
  return next ? new URL(next[1]!, document.baseURI).searchParams.get('cursor') : null;
};

const query = (params: Record<string, string | undefined>) => {
  const search = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => Boolean(e[1])));
  return search.size ? `?${search.toString()}` : '';
};

const seg = encodeURIComponent;

export class Api {
  constructor(readonly credentials: Credentials) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<{ data: T; response: Response }> {
    const headers: Record<string, string> = { 'x-api-key': this.credentials.apiKey, 'x-api-secret': this.credentials.apiSecret };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(apiUrl(path), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      throw new ApiFailure(0, 'NETWORK_ERROR', 'Could not reach the API. Check your connection and try again.', null);
    }
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as ErrorEnvelope | undefined)?.error;
      const requestId = typeof error?.request_id === 'string' ? error.request_id : response.headers.get('x-request-id');
      throw new ApiFailure(
        response.status,
        typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`,
        typeof error?.message === 'string' ? error.message : response.statusText || `The API answered ${response.status}.`,
        requestId,
        typeof error?.field === 'string' ? error.field : undefined,
      );
    }
    return { data: parsed as T, response };
  }

  async listWebhooks(cursor?: string): Promise<Page<Webhook>> {
    const { data, response } = await this.call<Webhook[]>('GET', `/v1/webhooks${query({ limit: '50', cursor })}`);
    return { items: data, nextCursor: nextCursor(response) };
  }

  async getWebhook(id: string): Promise<Webhook> {
    return (await this.call<Webhook>('GET', `/v1/webhooks/${seg(id)}`)).data;
  }

  async createWebhook(body: { url: string; events: string[] }): Promise<CreatedWebhook> {
    return (await this.call<CreatedWebhook>('POST', '/v1/webhooks', body)).data;
  }

  async updateWebhook(
    id: string,
    body: {
      url?: string;
      events?: string[];
      status?: Webhook['status'];
      rate_limit_per_second?: number | null;
      headers?: Record<string, string> | null;
      ordering?: Webhook['ordering'];
    },
  ): Promise<Webhook> {
    return (await this.call<Webhook>('PATCH', `/v1/webhooks/${seg(id)}`, body)).data;
  }

  async deleteWebhook(id: string): Promise<void> {
    await this.call('DELETE', `/v1/webhooks/${seg(id)}`);
  }

  async sendTest(id: string): Promise<{ event_id: string; event_type: string }> {
    return (await this.call<{ event_id: string; event_type: string }>('POST', `/v1/webhooks/${seg(id)}/test`)).data;
  }

  async listDeliveries(id: string, filter: { status?: string; eventId?: string; cursor?: string }): Promise<Page<DeliveryAttempt>> {
    const q = query({ limit: '25', status: filter.status, event_id: filter.eventId, cursor: filter.cursor });
    const { data, response } = await this.call<DeliveryAttempt[]>('GET', `/v1/webhooks/${seg(id)}/deliveries${q}`);
    return { items: data, nextCursor: nextCursor(response) };
  }

  // SPEC §7: operating deliveries.

  async redeliver(id: string, eventId: string): Promise<{ event_id: string; event_type: string }> {
    return (await this.call<{ event_id: string; event_type: string }>('POST', `/v1/webhooks/${seg(id)}/events/${seg(eventId)}/redeliver`)).data;
  }

  async recover(id: string, body: { since: string; until?: string }): Promise<{ events: number }> {
    return (await this.call<{ events: number }>('POST', `/v1/webhooks/${seg(id)}/recover`, body)).data;
  }

  async rotateSecret(id: string, expirePreviousInSeconds?: number): Promise<{ secret: string; previous_secret_expires_at: string }> {
    const body = expirePreviousInSeconds === undefined ? {} : { expire_previous_in_seconds: expirePreviousInSeconds };
    return (await this.call<{ secret: string; previous_secret_expires_at: string }>('POST', `/v1/webhooks/${seg(id)}/rotate-secret`, body)).data;
  }
}
