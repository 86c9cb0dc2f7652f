// `raw`: the same receivers (same process, same servers, same verification) hit with plain signed
// POSTs from a closed loop of `concurrency` workers — what loopback HTTP + verification alone
// can carry on this machine, as the yardstick for the pipeline's deliveries/s.
import { createHmac, randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { progress } from './log.js';
import { loadExamples, PARTNER } from './pipeline.js';
import type { Receivers } from './receiver.js';
import { epochMs, type LatencySummary, round, summarise } from './stats.js';

export type RawResult = {
  concurrency: number;
  duration_s: number;
  posts: number;
  posts_per_sec: number | null;
  ok: number;
  non_2xx: number;
  errors: number;
  verified: number;
  latency: LatencySummary;
  cpu: { receivers_pct_of_one_core: number | null; bench_pct_of_one_core: number | null };
};

function sign(secret: string, eventId: string, body: string): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return {
    'x-tapp-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    'webhook-id': eventId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${createHmac('sha256', key).update(`${eventId}.${timestamp}.${body}`).digest('base64')}`,
  };
}

export async function runRaw(receivers: Receivers, secrets: string[], options: { concurrency: number; durationS: number }): Promise<RawResult> {
  const examples = loadExamples();
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const urls = secrets.map((_, i) => new URL(receivers.url(i)));
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let n = 0;

  const post = (): Promise<void> => {
    const i = n++;
    const webhook = i % secrets.length;
    const example = examples[i % examples.length]!;
    const eventId = randomUUID();
    const body = JSON.stringify({
      id: randomUUID(),
      event_id: eventId,
      event_type: example.type,
      api_version: 'v1',
      created_at: new Date().toISOString(),
      environment: 'sandbox',
      partner_id: PARTNER,
      data: example.data,
    });
    const url = urls[webhook]!;
    const started = performance.now();
    return new Promise<void>((resolve) => {
      const req = request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Buildmarkets-Webhooks/1.0',
          'content-length': Buffer.byteLength(body),
          ...sign(secrets[webhook]!, eventId, body),
          'x-tapp-event-type': example.type,
          'x-tapp-event-id': eventId,
          'x-tapp-delivery-id': randomUUID(),
        },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - started);
          if (res.statusCode! >= 200 && res.statusCode! < 300) ok++;
          else non2xx++;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  };

  const before = await receivers.stats();
  const cpu0 = { receivers: receivers.cpuSeconds(), bench: process.cpuUsage() };
  progress(`raw: ${options.concurrency} concurrent signed POSTs for ${options.durationS} s…`);
  const t0 = epochMs();
  const end = t0 + options.durationS * 1000;
  const ticker = setInterval(() => progress(`raw: ${ok} posts, ${((ok / (epochMs() - t0)) * 1000).toFixed(0)}/s`), 2000);
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (epochMs() < end) await post();
    }),
  );
  const elapsed = (epochMs() - t0) / 1000;
  clearInterval(ticker);
  const cpu1 = { receivers: receivers.cpuSeconds(), bench: process.cpuUsage(cpu0.bench) };
  const after = await receivers.stats();
  agent.destroy();

  return {
    concurrency: options.concurrency,
    duration_s: round(elapsed, 2)!,
    posts: n,
    posts_per_sec: round(ok / elapsed, 0),
    ok,
    non_2xx: non2xx,
    errors,
    verified: after.verified - before.verified,
    latency: summarise(latencies),
    cpu: {
      receivers_pct_of_one_core: round(((cpu1.receivers - cpu0.receivers) / elapsed) * 100, 0),
      bench_pct_of_one_core: round(((cpu1.bench.user + cpu1.bench.system) / 1e6 / elapsed) * 100, 0),
    },
  };
}
