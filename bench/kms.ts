// Issue 19: KMS requests per delivery with envelope encryption, at 100,000 webhooks. The real
// KmsSecretCipher runs against a counting KMS fake (test/support/fake-kms.ts, the cipher's client
// seam) on a simulated clock:
//  1. creation: the webhooks' secrets are encrypted over `creationDays` by create-webhook
//     containers that live `containerLifetimeMs` each, sharing the current data key through the
//     data key store (rotated every 7 days), as in AWS;
//  2. steady state: `instances` delivery instances, each with its own cache, already warm at a
//     random age (a real fleet's containers started at different times): each has unwrapped
//     every data key once at a time within the last cache lifetime;
//  3. the measured window: `deliveries` deliveries at `deliveriesPerSec` (simulated), each to a
//     webhook drawn uniformly or by a Zipf law, on a random instance; every decrypt is the real
//     one, and every KMS request is counted.
// The same traffic through the cipher of before (kms1: one Decrypt per secret, 500 cached for
// 5 minutes) is the baseline.
import { randomBytes } from 'node:crypto';
import { InMemoryDataKeyStore } from '../lambdas/stores/data-key-store.js';
import { DATA_KEY_DEFAULTS, KmsSecretCipher } from '../lambdas/stores/kms-secret-cipher.js';
import { EncryptCommand, type EncryptCommandOutput } from '@aws-sdk/client-kms';
import { FakeKms } from '../test/support/fake-kms.js';
import { round } from './stats.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/bench';
const KMS_USD_PER_REQUEST = 0.03 / 10_000;
const SECONDS_PER_MONTH = 30 * 86_400;
const DAY_MS = 86_400_000;

export type KmsBenchOptions = {
  webhooks: number;
  deliveries: number;
  instances: number;
  deliveriesPerSec: number;
  creationDays: number;
  containerLifetimeMs: number;
  zipfExponent: number;
  /** Deliveries of the kms1 baseline (it is slow: one fake KMS call per delivery). */
  baselineDeliveries: number;
};

export const KMS_BENCH_DEFAULTS: KmsBenchOptions = {
  webhooks: 100_000,
  deliveries: 1_000_000,
  // At 10,000 deliveries/s a delivery instance does ~40/s (batches of 10, ~250 ms): ~250 instances.
  instances: 250,
  deliveriesPerSec: 10_000,
  creationDays: 365,
  containerLifetimeMs: 15 * 60_000,
  zipfExponent: 1,
  baselineDeliveries: 100_000,
};

type Traffic = 'uniform' | 'skewed';

export type KmsScenario = {
  traffic: Traffic;
  deliveries: number;
  kms_calls: number;
  kms_calls_per_delivery: number;
  /** Distinct webhooks (and data keys) the window touched. */
  webhooks_touched: number;
  data_keys_touched: number;
  usd_per_month_at_rate: number;
  kms_requests_per_sec_at_rate: number;
};

export type KmsResult = {
  options: KmsBenchOptions;
  creation: { webhooks: number; data_keys: number; kms_calls: number; kms_calls_per_webhook: number; store_reads: number; store_writes: number };
  warm_up: { kms_calls: number; note: string };
  envelope: Record<Traffic, KmsScenario>;
  baseline_kms1: Record<Traffic, KmsScenario>;
  /** The worse of the two traffic shapes, envelope encryption: the figure of the goal. */
  kms_calls_per_delivery: number;
  usd_per_month_at_rate: number;
  assumptions: string[];
};

/** A seeded PRNG (mulberry32), so runs compare. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws 0…n-1 with P(k) ∝ 1/(k+1)^s, by binary search on the cumulative weights. */
function zipf(n: number, s: number, random: () => number): () => number {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cumulative[k] = sum += 1 / (k + 1) ** s;
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

type Stored = { context: string; ciphertext: string; secret: string };

export async function runKmsBench(overrides: Partial<KmsBenchOptions> = {}): Promise<KmsResult> {
  const o = { ...KMS_BENCH_DEFAULTS, ...overrides };
  const random = rng(19);

  // 1. Creation over creationDays, container by container, the data key shared through the store.
  const kms = new FakeKms({ recordCalls: false });
  const store = new InMemoryDataKeyStore();
  let now = Date.UTC(2025, 0, 1);
  const clock = () => new Date(now);
  const webhooks: Stored[] = [];
  let container: KmsSecretCipher | undefined;
  let containerStartedAt = -Infinity;
  for (let i = 0; i < o.webhooks; i++) {
    now = Date.UTC(2025, 0, 1) + Math.floor((i / o.webhooks) * o.creationDays * DAY_MS);
    if (!container || now - containerStartedAt >= o.containerLifetimeMs) {
      container = new KmsSecretCipher(kms, KEY_ARN, { dataKeyStore: store, now: clock });
      containerStartedAt = now;
    }
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const context = `partner-${i % 997}/webhook-${i}`;
    webhooks.push({ context, secret, ciphertext: await container.encrypt(secret, context) });
  }
  const dataKeys = new Set(webhooks.map((w) => w.ciphertext.split(':')[1]));
  const creation = {
    webhooks: o.webhooks,
    data_keys: dataKeys.size,
    kms_calls: kms.count(),
    kms_calls_per_webhook: round(kms.count() / o.webhooks, 4)!,
    store_reads: store.reads,
    store_writes: store.writes,
  };
  // The draw order of webhooks is independent of their age (hot webhooks in every data key).
  const order = Array.from({ length: o.webhooks }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const oneWebhookPerKey = new Map<string, Stored>();
  for (const w of webhooks) oneWebhookPerKey.set(w.ciphertext.split(':')[1]!, w);

  const windowStart = now + DAY_MS;
  let warmUpCalls = 0;

  const scenario = async (traffic: Traffic, envelope: boolean): Promise<KmsScenario> => {
    const counting = new FakeKms({ recordCalls: false });
    // The fake's state (which blob decrypts to what) is the creation's: reuse it, count apart.
    const send = kms.send.bind(kms);
    counting.send = (command) => {
      counting.counts[command.constructor.name.replace(/Command$/, '') as 'Decrypt']++;
      return send(command);
    };
    let t = windowStart;
    const instanceClock = () => new Date(t);
    const cacheMs = envelope ? DATA_KEY_DEFAULTS.dataKeyCacheMs : 5 * 60_000;
    const instances = Array.from({ length: o.instances }, () => new KmsSecretCipher(counting, KEY_ARN, { now: instanceClock }));
    const source = envelope ? webhooks : await baselineWebhooks(webhooks, kms);
    if (envelope) {
      // 2. Warm at a random age: each instance unwrapped every data key at one moment within the last cache lifetime.
      for (const instance of instances) {
        t = windowStart - Math.floor(random() * cacheMs);
        for (const w of oneWebhookPerKey.values()) await instance.decrypt(w.ciphertext, w.context);
      }
      warmUpCalls += counting.count();
    }
    counting.counts.Decrypt = counting.counts.Encrypt = counting.counts.GenerateDataKey = 0;

    // 3. The measured window.
    const deliveries = envelope ? o.deliveries : o.baselineDeliveries;
    const draw = traffic === 'uniform' ? () => Math.floor(random() * o.webhooks) : zipf(o.webhooks, o.zipfExponent, random);
    const touched = new Set<number>();
    const keysTouched = new Set<string>();
    for (let d = 0; d < deliveries; d++) {
      t = windowStart + Math.floor((d / o.deliveriesPerSec) * 1000);
      const index = order[draw()]!;
      const w = source[index]!;
      touched.add(index);
      if (envelope) keysTouched.add(w.ciphertext.split(':')[1]!);
      const instance = instances[Math.floor(random() * instances.length)]!;
      if ((await instance.decrypt(w.ciphertext, w.context)) !== w.secret) throw new Error(`kms bench: wrong secret for ${w.context}`);
    }
    const calls = counting.count();
    const perDelivery = calls / deliveries;
    return {
      traffic,
      deliveries,
      kms_calls: calls,
      kms_calls_per_delivery: round(perDelivery, 6)!,
      webhooks_touched: touched.size,
      data_keys_touched: envelope ? keysTouched.size : touched.size,
      kms_requests_per_sec_at_rate: round(perDelivery * o.deliveriesPerSec, 2)!,
      usd_per_month_at_rate: round(perDelivery * o.deliveriesPerSec * SECONDS_PER_MONTH * KMS_USD_PER_REQUEST, 2)!,
    };
  };

  const envelope = { uniform: await scenario('uniform', true), skewed: await scenario('skewed', true) };
  const baseline = { uniform: await scenario('uniform', false), skewed: await scenario('skewed', false) };
  const worst = Math.max(envelope.uniform.kms_calls_per_delivery, envelope.skewed.kms_calls_per_delivery);
  return {
    options: o,
    creation,
    warm_up: { kms_calls: warmUpCalls, note: 'not counted: each instance unwrapping every data key once, at a random moment of the cache lifetime before the window' },
    envelope,
    baseline_kms1: baseline,
    kms_calls_per_delivery: worst,
    usd_per_month_at_rate: round(worst * o.deliveriesPerSec * SECONDS_PER_MONTH * KMS_USD_PER_REQUEST, 2)!,
    assumptions: [
      `${o.webhooks} webhooks created evenly over ${o.creationDays} days by create-webhook containers living ${o.containerLifetimeMs / 60_000} min each, sharing the current data key through the data key store (rotation every ${DATA_KEY_DEFAULTS.rotateDataKeyAfterMs / DAY_MS} days).`,
      `${o.instances} delivery instances (at ${o.deliveriesPerSec} deliveries/s, ~40 deliveries/s each), each its own cache (data keys ${DATA_KEY_DEFAULTS.dataKeyCacheMs / 60_000} min, up to ${DATA_KEY_DEFAULTS.dataKeyMaxEntries}); a delivery goes to a random instance. Instance recycling within the window is not modelled (a new container unwraps the data keys it meets once).`,
      `skewed: webhook ranks drawn by a Zipf law (exponent ${o.zipfExponent}), ranks independent of creation time.`,
      `Monthly cost: calls per delivery × ${o.deliveriesPerSec}/s × 30 days × $0.03 per 10,000 requests (us-east-1), plus $1/month for the key itself (not included).`,
      `baseline_kms1: the cipher of before (one KMS Decrypt per secret, 500 cached 5 min per instance) on ${o.baselineDeliveries} deliveries of the same traffic, caches cold at the start.`,
    ],
  };
}

/** The same webhooks as kms1 ciphertexts (the format before data keys), encrypted with the fake's Encrypt. */
async function baselineWebhooks(webhooks: Stored[], kms: FakeKms): Promise<Stored[]> {
  return Promise.all(
    webhooks.map(async (w) => {
      const out = (await kms.send(
        new EncryptCommand({ KeyId: KEY_ARN, Plaintext: Buffer.from(w.secret), EncryptionContext: { context: w.context } }),
      )) as EncryptCommandOutput;
      return { ...w, ciphertext: `kms1:${Buffer.from(out.CiphertextBlob!).toString('base64')}` };
    }),
  );
}
