// Authentication with failed authentication limited per client address, so a flood of guessed keys
// from one address reads the keys table a bounded number of times and does not shut out the valid
// partners behind it. API Gateway HTTP APIs take no WAF, so this is the limiter in AWS as well as
// locally.
//
// The budget: an address may cause at most `maxPerMinute` failed authentications a minute, and a
// credential check that has to read the keys table takes a place in that budget BEFORE the read
// (an atomic conditional ADD on one item per address and minute, expired by TTL), given back when
// the key turns out valid. So concurrent floods cannot overshoot: at most `maxPerMinute` failed
// reads of the keys table per address and minute, however many instances and connections.
//
// What an over-budget ("blocked") address is refused: only what would need a keys-table read to
// tell apart from a guess. A valid partner behind the same address goes on working:
// - each instance keeps the secret hash of the active keys it has read (10 min, bounded): a key id
//   it knows is checked in memory first; a wrong secret is a failure without any read, the right
//   one is read once more (so a revocation takes effect at once, as before);
// - every key that authenticated from an address is remembered for that address in the shared
//   table (one small item per address, refreshed at most hourly per instance, TTL 24 h); an instance
//   that meets a blocked address loads that list once, so a partner who used the address in the
//   last day also passes on a fresh instance, at the cost of one read of its own key;
// - any other key id from a blocked address is refused (429) without a read: from memory once the
//   instance knows the block, so a blocked flood of random keys costs no DynamoDB call at all.
// Refusals of a blocked address are answered after `refusalDelayMs` (a tarpit). IPv6 clients are
// counted per /64, as one host usually owns one.
import ipaddr from 'ipaddr.js';
import { type ApiKeyRecord, type ApiKeyRepository, type Principal, principalFor } from './api-keys.js';
import { type Clock, systemClock } from './clock.js';
import { apiSecretMatches } from './secrets.js';

/** The shared storage the limiter needs (lambdas/stores/rate-limit-store.ts implements it on DynamoDB). */
export interface FailureCounter {
  /** Atomically takes a place in the bucket if fewer than `limit` are taken: the new count, or undefined when full. */
  reserve(bucket: string, limit: number, expiresAtSeconds: number): Promise<number | undefined>;
  /** Gives a place back. */
  release(bucket: string): Promise<void>;
  /** Counts one more failure whatever the count; returns the new total. */
  addFailure(bucket: string, expiresAtSeconds: number): Promise<number>;
  /** The key ids remembered for an address. */
  knownKeys(address: string): Promise<string[]>;
  /** Remembers a key id for an address until `expiresAtSeconds` (each call pushes the expiry on). */
  rememberKey(address: string, apiKey: string, expiresAtSeconds: number): Promise<void>;
}

export type Credentials = { apiKey: string; apiSecret: string };

/** `retryAfterSeconds` set: the address is blocked (429); otherwise the credentials are invalid (401). */
export type AuthOutcome = { ok: true; principal: Principal } | { ok: false; retryAfterSeconds?: number };

export type AuthFailureLimiterOptions = {
  counter: FailureCounter;
  keys: Pick<ApiKeyRepository, 'get'>;
  maxPerMinute: number;
  /** A refusal of a blocked address is answered after this long (a tarpit): a flood on N connections then asks at most N per this. */
  refusalDelayMs?: number;
  clock?: Clock;
};

const WINDOW_MS = 60_000;
/** Entries each per-instance memory holds; beyond that the oldest are forgotten (the shared items still hold). */
const MEMORY_LIMIT = 10_000;
/** How long an instance trusts a key's secret hash it read (the right secret is still read again each time). */
const KEY_MEMORY_MS = 10 * 60_000;
/** How long a key stays remembered for an address it authenticated from, and how often an instance refreshes that. */
const KNOWN_KEY_TTL_S = 24 * 3600;
const KNOWN_KEY_REFRESH_MS = 3600_000;
/** Addresses remembered per key id per instance (a partner's egress addresses). */
const ADDRESSES_PER_KEY = 64;

/** The address as it is counted: IPv4 (mapped IPv6 included) as is, other IPv6 by its /64. */
export function clientKey(sourceIp: string | undefined): string {
  if (!sourceIp || !ipaddr.isValid(sourceIp)) return 'unknown';
  let ip = ipaddr.parse(sourceIp);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  if (ip.kind() === 'ipv4') return ip.toString();
  return `${(ip as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16)).join(':')}::/64`;
}

type KnownKey = { secretHash: string; until: number; rememberedFrom: Map<string, number> };
/** A keys-table read for an unknown key id: its record, and the budget place it took (if any). */
type Lookup = { record: ApiKeyRecord | undefined; bucket?: string; count?: number } | { refused: true };

export class AuthFailureLimiter {
  readonly refusalDelayMs: number;
  private readonly counter: FailureCounter;
  private readonly keys: Pick<ApiKeyRepository, 'get'>;
  private readonly maxPerMinute: number;
  private readonly clock: Clock;
  private readonly blockedUntil = new Map<string, number>();
  /** For blocked addresses: the key ids remembered for them (loaded once per block). */
  private readonly knownFrom = new Map<string, { keys: Promise<Set<string>>; until: number }>();
  private readonly knownKeys = new Map<string, KnownKey>();
  /** Reads of unknown key ids in flight, per address and key id: concurrent requests share one. */
  private readonly lookups = new Map<string, Promise<Lookup>>();

  constructor(options: AuthFailureLimiterOptions) {
    this.counter = options.counter;
    this.keys = options.keys;
    this.maxPerMinute = options.maxPerMinute;
    this.refusalDelayMs = options.refusalDelayMs ?? 0;
    this.clock = options.clock ?? systemClock;
  }

  /** The caller behind the credentials (undefined: none or malformed), or why not. */
  async authenticate(sourceIp: string | undefined, credentials: Credentials | undefined): Promise<AuthOutcome> {
    const address = clientKey(sourceIp);
    const now = this.clock().getTime();
    if (!credentials) return this.fail(address, now);
    const known = this.knownKey(credentials.apiKey, now);
    if (known) {
      if (!apiSecretMatches(credentials.apiSecret, known.secretHash)) return this.fail(address, now);
      // The right secret: read once more so that a revoked key is refused at once.
      return this.settle(address, credentials, { record: await this.keys.get(credentials.apiKey) }, now);
    }
    const id = `${address} ${credentials.apiKey}`;
    const shared = this.lookups.get(id);
    if (shared) {
      // Another request is reading this key id: share its answer, not its budget place.
      const lookup = await shared;
      return 'refused' in lookup ? this.refusal(address, now) ?? { ok: false } : this.settle(address, credentials, { record: lookup.record }, now);
    }
    const lookup = this.lookUp(address, credentials.apiKey, now).finally(() => this.lookups.delete(id));
    this.lookups.set(id, lookup);
    const result = await lookup;
    if ('refused' in result) return this.refusal(address, now) ?? { ok: false };
    return this.settle(address, credentials, result, now);
  }

  /** Takes a budget place (or, when blocked, finds the key remembered for the address), then reads the key. */
  private async lookUp(address: string, apiKey: string, now: number): Promise<Lookup> {
    if (this.refusal(address, now)) {
      if (!(await this.rememberedFor(address, now)).has(apiKey)) return { refused: true };
      return { record: await this.keys.get(apiKey) };
    }
    const { bucket, endMs } = this.window(address, now);
    const count = await this.counter.reserve(bucket, this.maxPerMinute, expiry(endMs));
    if (count === undefined) {
      this.block(address, endMs, now);
      return this.lookUp(address, apiKey, now);
    }
    return { record: await this.keys.get(apiKey), bucket, count };
  }

  /** Checks the secret against what was read, keeps the key in memory, and settles the budget. */
  private async settle(address: string, credentials: Credentials, lookup: Exclude<Lookup, { refused: true }>, now: number): Promise<AuthOutcome> {
    const { record } = lookup;
    if (record && !record.revokedAt) this.keepKey(record, now);
    else {
      this.knownKeys.delete(credentials.apiKey);
      void this.knownFrom.get(address)?.keys.then((keys) => keys.delete(credentials.apiKey));
    }
    const principal = record ? principalFor(record, credentials.apiSecret) : undefined;
    if (principal) {
      if (lookup.bucket) await this.counter.release(lookup.bucket);
      await this.remember(address, credentials.apiKey, now);
      return { ok: true, principal };
    }
    if (!lookup.bucket) return this.fail(address, now);
    // The failure already holds its budget place.
    if (lookup.count! >= this.maxPerMinute) this.block(address, this.window(address, now).endMs, now);
    return { ok: false };
  }

  /** A failure that read nothing: counted, and refused as blocked once over the limit. */
  private async fail(address: string, now: number): Promise<AuthOutcome> {
    const blocked = this.refusal(address, now);
    if (blocked) return blocked;
    const { bucket, endMs } = this.window(address, now);
    const total = await this.counter.addFailure(bucket, expiry(endMs));
    if (total >= this.maxPerMinute) this.block(address, endMs, now);
    return total > this.maxPerMinute ? this.refusal(address, now)! : { ok: false };
  }

  private knownKey(apiKey: string, now: number): KnownKey | undefined {
    const known = this.knownKeys.get(apiKey);
    if (known && known.until <= now) this.knownKeys.delete(apiKey);
    return known && known.until > now ? known : undefined;
  }

  private keepKey(record: ApiKeyRecord, now: number): void {
    const known = this.knownKeys.get(record.apiKey);
    this.knownKeys.delete(record.apiKey);
    bound(this.knownKeys, (k) => k.until <= now);
    this.knownKeys.set(record.apiKey, { secretHash: record.secretHash, until: now + KEY_MEMORY_MS, rememberedFrom: known?.rememberedFrom ?? new Map() });
  }

  /** Remembers, in the shared table, that the key authenticated from the address (at most hourly per instance). */
  private async remember(address: string, apiKey: string, now: number): Promise<void> {
    void this.knownFrom.get(address)?.keys.then((keys) => keys.add(apiKey));
    const from = this.knownKeys.get(apiKey)?.rememberedFrom;
    if (!from || (from.get(address) ?? -Infinity) > now - KNOWN_KEY_REFRESH_MS) return;
    if (from.size >= ADDRESSES_PER_KEY) from.delete(from.keys().next().value!);
    from.set(address, now);
    // Best effort: without it only a later block on a fresh instance would refuse this key.
    await this.counter.rememberKey(address, apiKey, Math.ceil(now / 1000) + KNOWN_KEY_TTL_S).catch(() => from.delete(address));
  }

  private rememberedFor(address: string, now: number): Promise<Set<string>> {
    const loaded = this.knownFrom.get(address);
    if (loaded && loaded.until > now) return loaded.keys;
    bound(this.knownFrom, (k) => k.until <= now);
    const keys = this.counter.knownKeys(address).then(
      (ids) => new Set(ids),
      () => new Set<string>(),
    );
    this.knownFrom.set(address, { keys, until: this.blockedUntil.get(address) ?? now + WINDOW_MS });
    return keys;
  }

  private window(key: string, now: number) {
    const index = Math.floor(now / WINDOW_MS);
    return { bucket: `authfail#${key}#${index}`, endMs: (index + 1) * WINDOW_MS };
  }

  private refusal(key: string, now: number): { ok: false; retryAfterSeconds: number } | undefined {
    const until = this.blockedUntil.get(key);
    if (until === undefined) return undefined;
    if (until <= now) {
      this.blockedUntil.delete(key);
      return undefined;
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) };
  }

  private block(key: string, until: number, now: number): void {
    bound(this.blockedUntil, (u) => u <= now);
    this.blockedUntil.delete(key);
    this.blockedUntil.set(key, until);
  }
}

const expiry = (endMs: number) => Math.ceil(endMs / 1000) + 60;

/** Makes room for one more entry: drops the stale ones, then the oldest. */
function bound<V>(map: Map<string, V>, stale: (value: V) => boolean): void {
  if (map.size < MEMORY_LIMIT) return;
  for (const [k, v] of map) if (stale(v)) map.delete(k);
  while (map.size >= MEMORY_LIMIT) map.delete(map.keys().next().value!);
}
