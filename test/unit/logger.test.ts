// Structured logs never carry a secret (SPEC §5): values under secret-bearing keys and
// secret-looking substrings anywhere are redacted before anything is written.
import { generateApiSecret, generateWebhookSecret } from '../../lambdas/domain/secrets.js';
import { Logger, redact } from '../../lambdas/shared/logger.js';

const WHSEC = generateWebhookSecret();
const BMS = generateApiSecret();
const BASIC = `Basic ${Buffer.from(`bmk_0123456789abcdef01234567:${BMS}`).toString('base64')}`;

function capture(level: ConstructorParameters<typeof Logger>[0] = 'debug') {
  const lines: { line: string; level: string }[] = [];
  const logger = new Logger(level, (line, lvl) => lines.push({ line, level: lvl }));
  return { logger, lines, text: () => lines.map((l) => l.line).join('\n') };
}

describe('redact', () => {
  it.each(['secret', 'api_secret', 'authorization', 'Authorization', 'x-api-secret', 'X-API-Secret', 'webhook_secret', 'secretCiphertext'])(
    'replaces the value under key %j',
    (key) => {
      const out = redact({ [key]: 'plain-value-123', keep: 'visible' }) as Record<string, unknown>;
      expect(out[key]).toBe('[REDACTED]');
      expect(out.keep).toBe('visible');
      expect(JSON.stringify(out)).not.toContain('plain-value-123');
    },
  );

  it('replaces non-string values under secret keys too', () => {
    const out = redact({ secret: { nested: 'abc' }, api_secret: 12345, authorization: ['x'] });
    expect(out).toEqual({ secret: '[REDACTED]', api_secret: '[REDACTED]', authorization: '[REDACTED]' });
  });

  it('redacts secret keys nested in objects and arrays', () => {
    const input = {
      request: { headers: { 'x-api-key': 'bmk_1', 'x-api-secret': 'hunter2', authorization: 'Bearer tok' } },
      webhooks: [{ id: 'w1', secret: 'shh-1' }, { id: 'w2', secret: 'shh-2' }],
      deep: [[{ api_secret: 'shh-3' }]],
    };
    const out = redact(input) as any;
    const text = JSON.stringify(out);
    for (const s of ['hunter2', 'Bearer tok', 'shh-1', 'shh-2', 'shh-3']) expect(text).not.toContain(s);
    expect(out.webhooks.map((w: any) => w.id)).toEqual(['w1', 'w2']);
    expect(out.request.headers['x-api-secret']).toBe('[REDACTED]');
    expect(out.deep[0][0].api_secret).toBe('[REDACTED]');
  });

  it('removes whsec_…, bms_… and "Basic …" substrings inside any string', () => {
    const out = redact({
      message: `signing with ${WHSEC} for key ${BMS}.`,
      header: `got ${BASIC} from client`,
      list: [`a ${WHSEC} b`],
    }) as any;
    const text = JSON.stringify(out);
    expect(text).not.toContain(WHSEC.slice('whsec_'.length, 20));
    expect(text).not.toContain(BMS.slice('bms_'.length, 20));
    expect(text).not.toContain(BASIC.slice('Basic '.length, 20));
    expect(out.message).toBe('signing with [REDACTED] for key [REDACTED].');
    expect(out.header).toBe('got [REDACTED] from client');
    expect(out.list).toEqual(['a [REDACTED] b']);
  });

  it('redacts a top-level string and leaves harmless values alone', () => {
    expect(redact(`oops ${WHSEC}`)).toBe('oops [REDACTED]');
    expect(redact('nothing to see')).toBe('nothing to see');
    expect(redact(42)).toBe(42);
    expect(redact(null)).toBeNull();
    expect(redact({ webhook_id: 'w1', status: 503, ok: false })).toEqual({ webhook_id: 'w1', status: 503, ok: false });
  });

  it('redacts the message of an Error', () => {
    const out = redact({ error: new Error(`bad secret ${WHSEC}`) }) as any;
    expect(out.error).toEqual({ name: 'Error', message: 'bad secret [REDACTED]' });
  });

  it('redacts secrets however deeply they are nested (no depth at which a secret passes through)', () => {
    let keyed: unknown = { secret: 'deep-secret-value', note: `deep ${WHSEC}` };
    for (let i = 0; i < 12; i++) keyed = { level: keyed };
    let listed: unknown = [`deep ${BMS}`];
    for (let i = 0; i < 12; i++) listed = [listed];
    const text = JSON.stringify(redact({ keyed, listed }));
    expect(text).not.toContain('deep-secret-value');
    expect(text).not.toContain(WHSEC);
    expect(text).not.toContain(BMS);
  });

  it('redacts a Basic credential whatever the case of the scheme (the API accepts "basic" too)', () => {
    // Node's req.rawHeaders is a flat [name, value, ...] array: only the value pattern protects it.
    const lower = BASIC.replace(/^Basic/, 'basic');
    const out = JSON.stringify(redact({ raw_headers: ['Authorization', lower], line: `authorization: ${BASIC.replace(/^Basic/, 'BASIC')}` }));
    expect(out).not.toContain(BASIC.slice('Basic '.length));
  });

  it('does not modify its input', () => {
    const input = { secret: 's', nested: { note: WHSEC } };
    redact(input);
    expect(input).toEqual({ secret: 's', nested: { note: WHSEC } });
  });
});

describe('Logger', () => {
  it('writes one JSON line per entry with level, time, message and fields', () => {
    const { logger, lines } = capture('info');
    logger.info('delivered', { webhook_id: 'w1', http_status: 200 });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!.line);
    expect(entry).toEqual({ level: 'info', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/), message: 'delivered', webhook_id: 'w1', http_status: 200 });
    expect(lines[0]!.level).toBe('info');
  });

  it('never outputs a secret passed in fields, at any level', () => {
    const { logger, text } = capture('debug');
    const fields = {
      secret: WHSEC,
      api_secret: BMS,
      headers: { authorization: BASIC, 'x-api-secret': BMS },
      note: `copy of ${WHSEC}`,
      items: [{ secret: WHSEC }, `again ${BMS}`],
      error: new Error(`failed with ${BASIC}`),
    };
    logger.debug('d', fields);
    logger.info('i', fields);
    logger.warn('w', fields);
    logger.error('e', fields);
    const out = text();
    expect(out.split('\n')).toHaveLength(4);
    for (const s of [WHSEC, BMS, BASIC, WHSEC.slice(6), BMS.slice(4), BASIC.slice(6)]) expect(out).not.toContain(s);
    expect(out).toContain('[REDACTED]');
  });

  it('never outputs a secret nested deep inside a field', () => {
    const { logger, text } = capture('info');
    let event: Record<string, unknown> = { authorization: BASIC, secret: WHSEC };
    for (let i = 0; i < 10; i++) event = { wrapped: event };
    logger.error('fan-out failed', { event });
    expect(text()).not.toContain(WHSEC);
    expect(text()).not.toContain(BASIC);
  });

  it('drops entries below its level', () => {
    const { logger, lines } = capture('warn');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines.map((l) => [l.level, JSON.parse(l.line).message])).toEqual([
      ['warn', 'w'],
      ['error', 'e'],
    ]);
  });

  it('writes everything at debug and nothing when silent', () => {
    const all = capture('debug');
    all.logger.debug('d');
    all.logger.info('i');
    all.logger.warn('w');
    all.logger.error('e');
    expect(all.lines.map((l) => l.level)).toEqual(['debug', 'info', 'warn', 'error']);

    const none = capture('silent');
    none.logger.error('e');
    none.logger.warn('w');
    expect(none.lines).toHaveLength(0);
  });

  it('redacts a field named message as well', () => {
    const { logger, text } = capture('info');
    logger.info('m', { message: `x ${WHSEC}` });
    expect(text()).not.toContain(WHSEC);
  });
});
