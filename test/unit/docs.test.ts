// The repository holds its whole contract (SPEC §8): no file links outside it, the generated parts
// of docs/ are current, and the signature snippets of docs/signatures.md verify real signatures.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { GENERATED_DOCS, renderGenerated, ROOT } from '../../bin/docs-render.js';
import { buildEnvelope } from '../../lambdas/domain/envelope.js';
import { SUBSCRIBABLE_EVENT_TYPES } from '../../lambdas/domain/event-types.js';
import { generateWebhookSecret } from '../../lambdas/domain/secrets.js';
import { signatureHeaders } from '../../lambdas/domain/signing.js';
import { exampleData } from '../support/examples.js';

/** Every file of the repository that git would track (walks the tree; skips what .gitignore names). */
function repositoryFiles(dir = ROOT): string[] {
  const skip = new Set(['.git', 'node_modules', '.data', 'cdk.out', 'coverage', '.tmpb', '.test-build']);
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (skip.has(name)) return [];
    return statSync(path).isDirectory() ? repositoryFiles(path) : [path];
  });
}

const TEXT = /\.(md|ts|js|mjs|cjs|json|ya?ml|txt|sh)$|(^|\/)(run|\.gitignore|\.npmrc)$/;
const inside = (path: string) => path === ROOT || path.startsWith(ROOT.endsWith(sep) ? ROOT : ROOT + sep);

describe('the repository is self-contained', () => {
  const files = repositoryFiles().filter((f) => TEXT.test(f) && !f.endsWith('package-lock.json'));

  it('has no relative path that leaves the repository, in any file', () => {
    const escaping: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const [path] of text.matchAll(/(?<![\w./])(?:\.\.\/)+[\w.@-][\w./@-]*/g)) {
        if (!inside(resolve(dirname(file), path))) escaping.push(`${relative(ROOT, file)}: ${path}`);
      }
    }
    expect(escaping).toEqual([]);
  });

  it('links, in every Markdown file, only to files that exist in the repository (or to the web)', () => {
    const bad: string[] = [];
    for (const file of files.filter((f) => f.endsWith('.md'))) {
      const text = readFileSync(file, 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target!)) continue;
        const path = resolve(dirname(file), decodeURI(target!.split('#')[0]!));
        if (!inside(path) || !existsSync(path)) bad.push(`${relative(ROOT, file)}: ${target}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the test above does catch a link out of the repository', () => {
    const link = `[spec](${'..'}/shared/SPEC.md)`;
    const [, target] = /\]\(([^)\s]+)\)/.exec(link)!;
    expect(inside(resolve(ROOT, target!))).toBe(false);
  });

  it('README lists every document of docs/', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const doc of readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'))) expect([doc, readme.includes(`](docs/${doc})`)]).toEqual([doc, true]);
  });
});

describe('what docs/api.md tells integrators matches the code', () => {
  const section = (title: string) => {
    const text = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
    const start = text.indexOf(`## ${title}\n`);
    expect(start).toBeGreaterThanOrEqual(0);
    const end = text.indexOf('\n## ', start + 1);
    return text.slice(start, end === -1 ? undefined : end).replace(/\s+/g, ' ');
  };

  it('says refused requests do not count toward the rate limit (test/unit/rate-limiter.test.ts: "does not count refused requests")', () => {
    const limits = section('Rate limits');
    expect(limits).not.toMatch(/refused requests count/i);
    expect(limits).toMatch(/only accepted requests count/);
  });
});

describe('generated docs', () => {
  it.each(GENERATED_DOCS)('%s is current (run `npm run docs` after changing routes, schemas or examples)', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    expect(text).toMatch(/<!-- BEGIN GENERATED/);
    expect(renderGenerated(text)).toBe(text);
  });

  it('docs/events.md shows the repository\'s example of each event', () => {
    const text = readFileSync(join(ROOT, 'docs/events.md'), 'utf8');
    for (const type of SUBSCRIBABLE_EVENT_TYPES) {
      expect(text).toContain(`### \`${type}\``);
      expect(text).toContain(JSON.stringify(exampleData(type), null, 2));
    }
  });
});

describe('signature snippets of docs/signatures.md', () => {
  const markdown = readFileSync(join(ROOT, 'docs/signatures.md'), 'utf8');
  const snippets = (lang: 'node' | 'python') =>
    [...markdown.matchAll(new RegExp(`<!-- snippet: ${lang} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!);

  const secret = generateWebhookSecret();
  const now = Math.floor(Date.now() / 1000);
  const envelope = buildEnvelope({
    deliveryId: '0190f5a2-7b1c-7cc3-9f1e-2a3b4c5d6e7f',
    eventId: '0190f5a2-6d00-7a11-8b22-334455667788',
    eventType: 'order.filled',
    eventCreatedAt: new Date().toISOString(),
    environment: 'sandbox',
    partnerId: 'acme',
    data: exampleData('order.filled'),
  });
  const body = JSON.stringify(envelope);
  const genuine = signatureHeaders(secret, envelope.event_id, now, body);
  /** Each case and what a correct verifier answers: the event_id, or null (refused). */
  const cases = [
    { name: 'genuine', secret, headers: genuine, body, expect: envelope.event_id },
    { name: 'changed body', secret, headers: genuine, body: body.replace('"acme"', '"evil"'), expect: null },
    { name: 'wrong secret', secret: generateWebhookSecret(), headers: genuine, body, expect: null },
    { name: 'old timestamp', secret, headers: signatureHeaders(secret, envelope.event_id, now - 3600, body), body, expect: null },
    {
      name: 'two signatures, the second genuine',
      secret,
      headers: { ...genuine, 'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')} ${genuine['webhook-signature']}` },
      body,
      expect: envelope.event_id,
    },
  ];
  const input = JSON.stringify(cases.map(({ secret, headers, body }) => ({ secret, headers, body })));
  const expected = cases.map((c) => [c.name, c.expect]);
  const named = (out: (string | null)[]) => cases.map((c, i) => [c.name, out[i]]);

  // Snippets import their packages (standardwebhooks) from the project's node_modules.
  const workDir = () => {
    mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
    return mkdtempSync(join(ROOT, 'node_modules', '.cache', 'docs-snippets-'));
  };

  it('has Node snippets, and each verifies genuine deliveries and refuses forged or replayed ones', () => {
    const found = snippets('node');
    expect(found.length).toBe(2);
    const dir = workDir();
    try {
      found.forEach((code, i) => {
        const file = join(dir, `snippet-${i}.mjs`);
        const harness = `
import { readFileSync as __read } from 'node:fs';
const __out = JSON.parse(__read(0, 'utf8')).map((c) => {
  try { return verifyDelivery(c.secret, c.headers, Buffer.from(c.body, 'utf8')).event_id ?? null; } catch { return null; }
});
console.log(JSON.stringify(__out));`;
        writeFileSync(file, code + harness);
        const run = spawnSync(process.execPath, [file], { input, encoding: 'utf8' });
        expect(run.stderr).toBe('');
        const out = JSON.parse(run.stdout) as (string | null)[];
        expect(named(out)).toEqual(expected);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  const pythonAvailable = python.status === 0 && /Python 3\.(9|1\d)/.test(python.stdout + python.stderr);
  // Registered only where python3 (3.9+, for str.removeprefix) is installed.
  if (pythonAvailable) {
    it('has a Python snippet that verifies genuine deliveries and refuses forged or replayed ones', () => {
      const found = snippets('python');
      expect(found.length).toBe(1);
      const dir = workDir();
      try {
        const file = join(dir, 'snippet.py');
        const harness = `
import sys as _sys
_out = []
for _c in json.loads(_sys.stdin.read()):
    try:
        _out.append(verify_delivery(_c["secret"], _c["headers"], _c["body"].encode())["event_id"])
    except ValueError:
        _out.append(None)
print(json.dumps(_out))
`;
        writeFileSync(file, found[0]! + harness);
        const run = spawnSync('python3', [file], { input, encoding: 'utf8' });
        expect(run.stderr).toBe('');
        expect(named(JSON.parse(run.stdout))).toEqual(expected);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
