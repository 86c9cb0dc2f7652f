// `api`: GET and POST /v1/webhooks with autocannon as partner bench-api (its webhooks never get the pipeline's events);
// then a flood of invalid keys beside another partner.
import { Agent, request } from 'node:http';
import autocannon, { type Result } from 'autocannon';
import type { LocalState } from '../local/state-file.js';
import { issueTestApiKey } from '../test/support/api-keys.js';
import { progress, round, sleep, summarise as latencySummary } from './util.js';

const API_PARTNER = 'bench-api';
const POST_BODY = JSON.stringify({ url: 'https://93.184.216.34/bench', events: [] });
const FLOOD_CONNECTIONS = 100;
/** The bystander's address: the flood comes from 127.0.0.1, and failed authentication is limited per address. */
const BYSTANDER_ADDRESS = '127.0.0.2';

function summarise(r: Result, connections: number) {
  const status_codes = Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, s]) => [code, s.count]));
  return {
    connections, duration_s: r.duration, requests_per_sec: round(r.requests.total / r.duration, 0), requests: r.requests.total,
    p50_ms: round(r.latency.p50, 1), p99_ms: round(r.latency.p99, 1), max_ms: round(r.latency.max, 1),
    non_2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, status_codes,
  };
}

export async function runApi(state: LocalState, { connections, durationS }: { connections: number; durationS: number }) {
  const { auth } = await issueTestApiKey(state, { partnerId: API_PARTNER, scopes: ['webhooks:read', 'webhooks:write'] });
  const headers = { 'x-api-key': auth.apiKey, 'x-api-secret': auth.apiSecret };
  const url = `${state.api_url}/v1/webhooks`;
  /** One warm-up second, then the measured run. */
  const run = async (method: 'GET' | 'POST') => {
    const body = method === 'POST' ? { body: POST_BODY } : {};
    const json = { ...headers, 'content-type': 'application/json' };
    const go = (duration: number) => autocannon({ url, method, headers: json, connections, duration, timeout: 10, ...body });
    await go(1);
    const result = summarise(await go(durationS), connections);
    progress(`api: ${method} ${result.requests_per_sec} req/s, p99 ${result.p99_ms} ms`);
    return result;
  };
  // POST first, so the GET lists a full default page (50) of a partner with many webhooks.
  progress(`api: POST then GET /v1/webhooks, ${connections} connections, ${durationS} s each (+1 s warm-up)…`);
  const post = await run('POST');
  const get = await run('GET');
  const key = `partner ${API_PARTNER} (key issued into the runtime's keys table, as bin/keys.ts does)`;
  const authFlood = await runAuthFlood(url, headers, durationS);
  return { key, post_body: JSON.parse(POST_BODY) as unknown, get_webhooks: get, post_webhooks: post, auth_flood: authFlood };
}

/** One partner's sequential GETs (one keep-alive connection from BYSTANDER_ADDRESS) for `durationS`. */
async function bystanderGets(url: string, headers: Record<string, string>, durationS: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const { hostname: host, port, pathname: path } = new URL(url);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const get = () =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host, port, path, headers, agent, localAddress: BYSTANDER_ADDRESS }, (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0)));
      req.on('error', reject).end();
    });
  try {
    for (const until = performance.now() + durationS * 1000; performance.now() < until; ) {
      const started = performance.now();
      const status = await get();
      latencies.push(performance.now() - started);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  } finally {
    agent.destroy();
  }
  const { p50_ms, p99_ms } = latencySummary(latencies);
  return { requests: latencies.length, p50_ms, p99_ms, status_codes: statuses };
}
/** Invalid keys from one address (100 connections) must not slow another partner by more than 2×: its GET median alone, then during the flood. */
async function runAuthFlood(url: string, bystanderHeaders: Record<string, string>, durationS: number) {
  progress(`api: auth flood — bystander GET alone from ${BYSTANDER_ADDRESS}, ${durationS} s…`);
  const alone = await bystanderGets(url, bystanderHeaders, durationS);
  progress(`api: auth flood — ${FLOOD_CONNECTIONS} connections of invalid keys from 127.0.0.1 while the bystander GETs…`);
  const invalid = { 'x-api-key': 'bmk_flood_not_a_key', 'x-api-secret': 'not-the-secret' };
  const flood = autocannon({ url, method: 'GET', headers: invalid, connections: FLOOD_CONNECTIONS, duration: durationS + 2, timeout: 10 });
  await sleep(1000); // the flood is under way
  const during = await bystanderGets(url, bystanderHeaders, durationS);
  const floodResult = summarise(await flood, FLOOD_CONNECTIONS);
  const ratio = alone.p50_ms && during.p50_ms ? round(during.p50_ms / alone.p50_ms, 2) : null;
  progress(`api: auth flood — bystander p50 ${alone.p50_ms} ms alone, ${during.p50_ms} ms during the flood (×${ratio}); flood ${floodResult.requests_per_sec} req/s ${JSON.stringify(floodResult.status_codes)}`);
  return { flood_connections: FLOOD_CONNECTIONS, bystander_alone: alone, bystander_during_flood: during, p50_ratio: ratio, target_ratio_max: 2, flood: floodResult };
}
