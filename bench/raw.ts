// `raw`: the pipeline's receivers hit with plain signed POSTs from a closed loop of `concurrency` workers: what loopback
// HTTP + verification alone carry on this machine, the yardstick for the pipeline's deliveries/s.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { USER_AGENT } from '../lambdas/delivery/http-sender.js';
import { signatureHeaders } from '../lambdas/domain/signing.js';
import { loadExamples, PARTNER } from './pipeline.js';
import type { Receivers } from './receivers.js';
import { epochMs, progress, round, summarise } from './util.js';

/** One signed POST shaped like a delivery; resolves with its status (0: failed). */
function signedPost(agent: Agent, url: URL, secret: string, example: { type: string; data: unknown }): Promise<number> {
  const eventId = randomUUID();
  const envelope = { id: randomUUID(), event_id: eventId, event_type: example.type, api_version: 'v1', created_at: new Date().toISOString(), environment: 'sandbox', partner_id: PARTNER, data: example.data };
  const body = JSON.stringify(envelope);
  const headers = {
    'content-type': 'application/json', 'user-agent': USER_AGENT, 'content-length': Buffer.byteLength(body),
    ...signatureHeaders(secret, eventId, Math.floor(Date.now() / 1000), body),
    'x-tapp-event-type': example.type, 'x-tapp-event-id': eventId, 'x-tapp-delivery-id': randomUUID(),
  };
  return new Promise((resolve) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

export async function runRaw(receivers: Receivers, secrets: string[], options: { concurrency: number; durationS: number }) {
  const examples = loadExamples();
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const urls = secrets.map((_, i) => new URL(receivers.url(i)));
  const latencies: number[] = [];
  const n = { posts: 0, ok: 0, non2xx: 0, errors: 0 };
  const before = await receivers.stats();
  progress(`raw: ${options.concurrency} concurrent signed POSTs for ${options.durationS} s…`);
  const t0 = epochMs();
  const end = t0 + options.durationS * 1000;
  const ticker = setInterval(() => progress(`raw: ${n.ok} posts, ${((n.ok / (epochMs() - t0)) * 1000).toFixed(0)}/s`), 2000);
  const worker = async () => {
    while (epochMs() < end) {
      const i = n.posts++;
      const started = performance.now();
      const status = await signedPost(agent, urls[i % secrets.length]!, secrets[i % secrets.length]!, examples[i % examples.length]!);
      if (status === 0) n.errors++;
      else {
        latencies.push(performance.now() - started);
        if (status >= 200 && status < 300) n.ok++;
        else n.non2xx++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsed = (epochMs() - t0) / 1000;
  clearInterval(ticker);
  const after = await receivers.stats();
  agent.destroy();
  return {
    concurrency: options.concurrency, duration_s: round(elapsed, 2)!, posts: n.posts, posts_per_sec: round(n.ok / elapsed, 0),
    ok: n.ok, non_2xx: n.non2xx, errors: n.errors, verified: after.verified - before.verified, latency: summarise(latencies),
  };
}
