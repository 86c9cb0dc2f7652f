// The API's resources as SPEC §2, §4 and §7 describe them (the portal is a client of the public API).

export type WebhookHealth = {
  state: 'healthy' | 'failing' | 'unknown';
  consecutive_failures: number;
  last_success_at: string | null;
  last_failure_at: string | null;
};

export type Webhook = {
  id: string;
  url: string;
  events: string[];
  status: 'active' | 'disabled';
  created_at: string;
  updated_at: string;
  /** SPEC §7: the endpoint's health as the delivery path last wrote it. */
  health: WebhookHealth;
  disabled_reason: 'failing' | 'gone' | 'manual' | null;
  disabled_at: string | null;
  /** SPEC §11 delivery controls. */
  rate_limit_per_second: number | null;
  /** Names → "****": the values are write-only. */
  headers: Record<string, string>;
  ordering: 'none' | 'per_entity';
};

export type CreatedWebhook = Webhook & { secret: string };

export type DeliveryAttempt = {
  id: string;
  event_id: string;
  event_type: string;
  status: 'succeeded' | 'failed';
  http_status: number | null;
  response_time_ms: number | null;
  attempt_number: number;
  attempted_at: string;
  next_retry_at: string | null;
  error?: string | null;
};

export type Page<T> = { items: T[]; nextCursor: string | null };
