// KMS requests per delivery with envelope encryption at 100,000 webhooks: the real KmsSecretCipher against the
// counting KMS fake on a simulated clock. Webhooks created by containers sharing the data key through the store, as in
// AWS; warm delivery instances; deliveries to webhooks drawn uniformly or by a Zipf law. Baseline: the kms1 cipher.
import { randomBytes } from 'node:crypto';
import { EncryptCommand, type EncryptCommandOutput } from '@aws-sdk/client-kms';
import { InMemoryDataKeyStore } from '../lambdas/stores/data-key-store.js';
import { DATA_KEY_DEFAULTS, KmsSecretCipher } from '../lambdas/stores/kms-secret-cipher.js';
import { FakeKms } from '../test/support/fake-kms.js';
import { ALL_IN_PRICES } from './all-in-cost.js';
import { round } from './util.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/bench';
const SECONDS_PER_MONTH = 30 * 86_400;
const DAY_MS = 86_400_000;

const KMS_BENCH_DEFAULTS = {
  webhooks: 100_000,
  deliveries: 1_000_000,
  // At 10,000 deliveries/s a delivery instance does ~40/s (batches of 10, ~250 ms): ~250 instances.
  instances: 250, deliveriesPerSec: 10_000, creationDays: 365, containerLifetimeMs: 15 * 60_000, zipfExponent: 1,
  /** Deliveries of the kms1 baseline (it is slow: one fake KMS call per delivery). */
  baselineDeliveries: 100_000,
};
type KmsBenchOptions = typeof KMS_BENCH_DEFAULTS;
type Traffic = 'uniform' | 'skewed';
type Stored = { context: string; ciphertext: string; secret: string };
const dataKeyOf = (w: Stored) => w.ciphertext.split(':')[1]!;
const usdPerMonth = (callsPerDelivery: number, o: KmsBenchOptions) => round(callsPerDelivery * o.deliveriesPerSec * SECONDS_PER_MONTH * ALL_IN_PRICES.kms_usd_per_request, 2)!;

/** A seeded PRNG (mulberry32), so runs compare. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
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
    let [lo, hi] = [0, n - 1];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** 1. The webhooks' secrets encrypted over creationDays, container by container, the data key shared through the store. */
async function createWebhooks(o: KmsBenchOptions, kms: FakeKms) {
  const store = new InMemoryDataKeyStore();
  let [now, containerStartedAt] = [0, -Infinity];
  const webhooks: Stored[] = [];
  let container: KmsSecretCipher | undefined;
  for (let i = 0; i < o.webhooks; i++) {
    now = Date.UTC(2025, 0, 1) + Math.floor((i / o.webhooks) * o.creationDays * DAY_MS);
    if (!container || now - containerStartedAt >= o.containerLifetimeMs) {
      container = new KmsSecretCipher(kms, KEY_ARN, { dataKeyStore: store, now: () => new Date(now) });
      containerStartedAt = now;
    }
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const context = `partner-${i % 997}/webhook-${i}`;
    webhooks.push({ context, secret, ciphertext: await container.encrypt(secret, context) });
  }
  const creation = {
    webhooks: o.webhooks, data_keys: new Set(webhooks.map(dataKeyOf)).size,
    kms_calls: kms.count(), kms_calls_per_webhook: round(kms.count() / o.webhooks, 4)!, store_reads: store.reads, store_writes: store.writes,
  };
  return { webhooks, creation, windowStart: now + DAY_MS };
}

/** The same webhooks as kms1 ciphertexts (the format before data keys), encrypted with the fake's Encrypt. */
async function baselineWebhooks(webhooks: Stored[], kms: FakeKms): Promise<Stored[]> {
  const encrypt = async (w: Stored) => {
    const out = (await kms.send(new EncryptCommand({ KeyId: KEY_ARN, Plaintext: Buffer.from(w.secret), EncryptionContext: { context: w.context } }))) as EncryptCommandOutput;
    return { ...w, ciphertext: `kms1:${Buffer.from(out.CiphertextBlob!).toString('base64')}` };
  };
  return Promise.all(webhooks.map(encrypt));
}

type World = { o: KmsBenchOptions; kms: FakeKms; random: () => number; webhooks: Stored[]; order: number[]; windowStart: number; warmUpCalls: number };

/** 2 and 3: warm instances (envelope only), then the measured window; KMS calls counted from the window's start. */
async function scenario(w: World, traffic: Traffic, envelope: boolean) {
  const { o, random, kms } = w;
  let t = w.windowStart;
  const instances = Array.from({ length: o.instances }, () => new KmsSecretCipher(kms, KEY_ARN, { now: () => new Date(t) }));
  const source = envelope ? w.webhooks : await baselineWebhooks(w.webhooks, kms);
  const warmFrom = kms.count();
  if (envelope) {
    // Each instance unwrapped every data key at one moment within the last cache lifetime.
    const oneWebhookPerKey = new Map(w.webhooks.map((x) => [dataKeyOf(x), x]));
    for (const instance of instances) {
      t = w.windowStart - Math.floor(random() * DATA_KEY_DEFAULTS.dataKeyCacheMs);
      for (const x of oneWebhookPerKey.values()) await instance.decrypt(x.ciphertext, x.context);
    }
    w.warmUpCalls += kms.count() - warmFrom;
  }
  const windowFrom = kms.count();
  const deliveries = envelope ? o.deliveries : o.baselineDeliveries;
  const draw = traffic === 'uniform' ? () => Math.floor(random() * o.webhooks) : zipf(o.webhooks, o.zipfExponent, random);
  const [touched, keysTouched] = [new Set<number>(), new Set<string>()];
  for (let d = 0; d < deliveries; d++) {
    t = w.windowStart + Math.floor((d / o.deliveriesPerSec) * 1000);
    const index = w.order[draw()]!;
    const x = source[index]!;
    touched.add(index);
    if (envelope) keysTouched.add(dataKeyOf(x));
    const instance = instances[Math.floor(random() * instances.length)]!;
    if ((await instance.decrypt(x.ciphertext, x.context)) !== x.secret) throw new Error(`kms bench: wrong secret for ${x.context}`);
  }
  const calls = kms.count() - windowFrom;
  const perDelivery = calls / deliveries;
  return {
    traffic, deliveries, kms_calls: calls, kms_calls_per_delivery: round(perDelivery, 6)!, webhooks_touched: touched.size, data_keys_touched: envelope ? keysTouched.size : touched.size,
    kms_requests_per_sec_at_rate: round(perDelivery * o.deliveriesPerSec, 2)!, usd_per_month_at_rate: usdPerMonth(perDelivery, o),
  };
}

function assumptions(o: KmsBenchOptions): string[] {
  return [
    `${o.webhooks} webhooks created evenly over ${o.creationDays} days by create-webhook containers living ${o.containerLifetimeMs / 60_000} min each, sharing the current data key through the data key store (rotation every ${DATA_KEY_DEFAULTS.rotateDataKeyAfterMs / DAY_MS} days).`,
    `${o.instances} delivery instances (at ${o.deliveriesPerSec} deliveries/s, ~40 deliveries/s each), each its own cache (data keys ${DATA_KEY_DEFAULTS.dataKeyCacheMs / 60_000} min, up to ${DATA_KEY_DEFAULTS.dataKeyMaxEntries}); a delivery goes to a random instance. Instance recycling within the window is not modelled (a new container unwraps the data keys it meets once).`,
    `skewed: webhook ranks drawn by a Zipf law (exponent ${o.zipfExponent}), ranks independent of creation time.`,
    `Monthly cost: calls per delivery × ${o.deliveriesPerSec}/s × 30 days × $0.03 per 10,000 requests (us-east-1), plus $1/month for the key itself (not included).`,
    `baseline_kms1: the cipher of before (one KMS Decrypt per secret, 500 cached 5 min per instance) on ${o.baselineDeliveries} deliveries of the same traffic, caches cold at the start.`,
  ];
}

export async function runKmsBench(overrides: Partial<KmsBenchOptions> = {}) {
  const o = { ...KMS_BENCH_DEFAULTS, ...overrides };
  const random = rng(19);
  const kms = new FakeKms({ recordCalls: false });
  const { webhooks, creation, windowStart } = await createWebhooks(o, kms);
  // The draw order of webhooks is independent of their age (hot webhooks in every data key).
  const order = Array.from({ length: o.webhooks }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const world: World = { o, kms, random, webhooks, order, windowStart, warmUpCalls: 0 };
  const envelope = { uniform: await scenario(world, 'uniform', true), skewed: await scenario(world, 'skewed', true) };
  const baseline = { uniform: await scenario(world, 'uniform', false), skewed: await scenario(world, 'skewed', false) };
  /** The worse of the two traffic shapes, envelope encryption: the figure of the goal. */
  const worst = Math.max(envelope.uniform.kms_calls_per_delivery, envelope.skewed.kms_calls_per_delivery);
  const note = 'not counted: each instance unwrapping every data key once, at a random moment of the cache lifetime before the window';
  return {
    options: o, creation, warm_up: { kms_calls: world.warmUpCalls, note }, envelope, baseline_kms1: baseline,
    kms_calls_per_delivery: worst, usd_per_month_at_rate: usdPerMonth(worst, o), assumptions: assumptions(o),
  };
}
