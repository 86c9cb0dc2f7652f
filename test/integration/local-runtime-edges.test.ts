// Small local-runtime guarantees: a private DATA_DIR (LevelDB files included),
// and Node's own refusals (unknown method, headers too large) in the error envelope with X-Request-Id.
import { chmodSync, lstatSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiClient } from '../support/api-client.js';
import { rawHttp as raw } from '../support/raw-http.js';
import { makeDataDir, removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';

/** Every path under `dir` (itself included) whose mode lets group or others in. */
function openToOthers(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    if ((stat.mode & 0o077) !== 0) found.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  walk(dir);
  return found;
}

describe('local runtime edges', () => {
  let rt: RuntimeProcess;
  const dataDir = makeDataDir();

  beforeAll(async () => {
    // As left by an older version: a world-readable directory and file.
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, 'stray.json'), '{}', { mode: 0o644 });
    chmodSync(join(dataDir, 'stray.json'), 0o644);
    rt = await startRuntime({ dataDir, env: { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000' } });
  });

  afterAll(async () => {
    if (rt.child.exitCode === null) await rt.stop();
    removeDataDir(dataDir);
  });

  it('answers an unknown method with a 400 in the error envelope, with X-Request-Id', async () => {
    const answer = await raw(rt.state.api_url, 'FROB /v1/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toMatch(/application\/json/);
    expect(answer.body.error.code).toBe('BAD_REQUEST');
    expect(answer.body.error.request_id).toBe(answer.headers['x-request-id']);
    expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers headers over the server limit with a 431 in the error envelope, with X-Request-Id', async () => {
    const answer = await raw(rt.state.api_url, `GET /v1/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer.status).toBe(431);
    expect(answer.body.error.code).toBe('REQUEST_HEADERS_TOO_LARGE');
    expect(answer.body.error.request_id).toBe(answer.headers['x-request-id']);
  });

  it('keeps DATA_DIR private: 0700 directories and 0600 files, LevelDB files written while running included', async () => {
    const call = apiClient(rt.state);
    for (let i = 0; i < 20; i++) expect((await call('POST', '/v1/webhooks', { body: { url: `https://93.184.216.34/${i}`, events: [] } })).status).toBe(201);
    expect(openToOthers(dataDir)).toEqual([]);
    expect(lstatSync(dataDir).mode & 0o777).toBe(0o700);
    expect(await rt.stop()).toBe(0);
    expect(openToOthers(dataDir)).toEqual([]);
    expect(readdirSync(join(dataDir, 'dynamodb')).length).toBeGreaterThan(0);
  });
});
