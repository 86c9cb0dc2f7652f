// The SSRF guard (SPEC §5) with an injected resolver: no real DNS.
import { jest } from '@jest/globals';
import { ApiError } from '../../lambdas/domain/errors.js';
import { classifyAddress, MAX_URL_LENGTH, type Resolver, UrlGuard, UrlRefusedError } from '../../lambdas/domain/url-guard.js';

const PUBLIC_V4 = '93.184.216.34';
const PUBLIC_V6 = '2606:2800:220:1:248:1893:25c8:1946';

/** A fake DNS: known names answer, anything else fails like ENOTFOUND. Records every lookup. */
function fakeDns(records: Record<string, string[]>) {
  const lookups: string[] = [];
  const resolver: Resolver = async (host) => {
    lookups.push(host);
    const answer = records[host];
    if (answer === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return answer;
  };
  return { resolver, lookups };
}

const DNS = {
  'example.com': [PUBLIC_V4],
  'v6.example.com': [PUBLIC_V6],
  'two.example.com': [PUBLIC_V4, '93.184.216.35'],
  'internal.example.com': ['10.0.0.5'],
  'mixed.example.com': [PUBLIC_V4, '10.0.0.5'],
  'metadata.example.com': ['169.254.169.254'],
  'loop.example.com': ['127.0.0.1'],
  'loop6.example.com': ['::1'],
  'mapped.example.com': ['::ffff:10.0.0.5'],
  'ula.example.com': ['fd12:3456::1'],
  'app.localhost': ['127.0.0.1'],
  'empty.example.com': [],
};

async function expectInvalidUrl(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    (value) => {
      throw new Error(`expected INVALID_URL, got ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  expect(error).toMatchObject({ code: 'INVALID_URL', status: 400, field: 'url' });
}

describe('UrlGuard.checkRegistration (allowLoopback: false, as deployed)', () => {
  const guard = new UrlGuard({ allowLoopback: false, resolver: fakeDns(DNS).resolver });

  const refused: [string, string][] = [
    ['loopback literal', 'https://127.0.0.1/hook'],
    ['loopback elsewhere in 127/8', 'https://127.8.9.10/hook'],
    ['decimal integer host', 'https://2130706433/hook'],
    ['hex integer host', 'https://0x7f000001/hook'],
    ['octal dotted host', 'https://0177.0.0.1/hook'],
    ['short form 127.1', 'https://127.1/hook'],
    ['mixed hex short form 0x7f.1', 'https://0x7f.1/hook'],
    ['zero-padded octets', 'https://127.000.000.001/hook'],
    ['percent-encoded host', 'https://%31%32%37.0.0.1/hook'],
    ['trailing dot', 'https://127.0.0.1./hook'],
    ['localhost', 'https://localhost/hook'],
    ['upper-case LOCALHOST', 'https://LOCALHOST/hook'],
    ['localhost with trailing dot', 'https://localhost./hook'],
    ['localhost with a port', 'https://localhost:8443/hook'],
    ['IPv6 loopback', 'https://[::1]/hook'],
    ['IPv4-mapped IPv6 loopback', 'https://[::ffff:127.0.0.1]/hook'],
    ['IPv4-mapped IPv6 private', 'https://[::ffff:10.0.0.1]/hook'],
    ['IPv4-mapped IPv6 metadata in hex', 'https://[::ffff:a9fe:a9fe]/latest/meta-data/'],
    ['private 10/8', 'https://10.0.0.1/hook'],
    ['private 10/8 upper end', 'https://10.255.255.254/hook'],
    ['private 172.16/12', 'https://172.16.0.1/hook'],
    ['private 172.16/12 upper end', 'https://172.31.255.254/hook'],
    ['private 192.168/16', 'https://192.168.1.1/hook'],
    ['link-local / cloud metadata', 'https://169.254.169.254/latest/meta-data/'],
    ['CGNAT 100.64/10', 'https://100.64.0.1/hook'],
    ['IPv6 unique local fc00::/7', 'https://[fc00::1]/hook'],
    ['IPv6 unique local fd..', 'https://[fd00::1]/hook'],
    ['IPv6 link-local', 'https://[fe80::1]/hook'],
    ['IPv4 multicast', 'https://224.0.0.1/hook'],
    ['IPv6 multicast', 'https://[ff02::1]/hook'],
    ['unspecified 0.0.0.0', 'https://0.0.0.0/hook'],
    ['unspecified as "0"', 'https://0/hook'],
    ['IPv6 unspecified', 'https://[::]/hook'],
    ['broadcast', 'https://255.255.255.255/hook'],
    ['documentation range 192.0.2/24', 'https://192.0.2.1/hook'],
    ['reserved 240/4', 'https://240.0.0.1/hook'],
    ['IPv6 documentation 2001:db8::/32', 'https://[2001:db8::1]/hook'],
    ['hex-spelled private', 'https://0x0a.0.0.1/hook'],
    ['a name resolving to 10.0.0.5', 'https://internal.example.com/hook'],
    ['a name with one private address among public ones', 'https://mixed.example.com/hook'],
    ['a name resolving to the metadata address', 'https://metadata.example.com/hook'],
    ['a name resolving to loopback', 'https://loop.example.com/hook'],
    ['a name resolving to IPv6 loopback', 'https://loop6.example.com/hook'],
    ['a name resolving to an IPv4-mapped private address', 'https://mapped.example.com/hook'],
    ['a name resolving to an IPv6 ULA', 'https://ula.example.com/hook'],
    ['a *.localhost name resolving to loopback', 'https://app.localhost/hook'],
    ['http:// to a public host', `http://${PUBLIC_V4}/hook`],
    ['http:// to a public name', 'http://example.com/hook'],
    ['ftp://', `ftp://${PUBLIC_V4}/hook`],
    ['javascript:', 'javascript:alert(1)'],
    ['file:', 'file:///etc/passwd'],
    ['relative path', '/hooks/relative'],
    ['scheme-relative', `//${PUBLIC_V4}/hook`],
    ['no scheme', `${PUBLIC_V4}/hook`],
    ['empty string', ''],
    ['https:// without a host', 'https://'],
    ['user and password', `https://user:pass@${PUBLIC_V4}/hook`],
    ['user only', `https://user@${PUBLIC_V4}/hook`],
    ['credentials hiding a private host', 'https://example.com@10.0.0.1/hook'],
    ['longer than 2048 characters', `https://${PUBLIC_V4}/${'a'.repeat(MAX_URL_LENGTH)}`],
  ];

  it.each(refused)('refuses %s: %s', async (_name, url) => {
    await expectInvalidUrl(guard.checkRegistration(url));
  });

  const accepted: [string, string][] = [
    ['a name resolving to a public address', 'https://example.com/hook'],
    ['a name resolving to a public IPv6 address', 'https://v6.example.com/hook'],
    ['a name with several public addresses', 'https://two.example.com/hook'],
    ['a public IPv4 literal', `https://${PUBLIC_V4}/hook`],
    ['a public IPv6 literal', `https://[${PUBLIC_V6}]/hook`],
    ['a public address with a port, query and fragment', `https://${PUBLIC_V4}:8443/hook?a=1#x`],
    ['upper-case scheme and host', 'HTTPS://EXAMPLE.COM/hook'],
    ['a name that does not resolve (yet)', 'https://not-yet-registered.example.net/hook'],
    ['a name that resolves to nothing', 'https://empty.example.com/hook'],
  ];

  it.each(accepted)('accepts %s: %s', async (_name, url) => {
    const parsed = await guard.checkRegistration(url);
    expect(parsed).toBeInstanceOf(URL);
    expect(parsed.protocol).toBe('https:');
  });

  it('accepts a URL of exactly 2048 characters and refuses 2049', async () => {
    const prefix = `https://${PUBLIC_V4}/`;
    await expect(guard.checkRegistration(prefix + 'a'.repeat(MAX_URL_LENGTH - prefix.length))).resolves.toBeInstanceOf(URL);
    await expectInvalidUrl(guard.checkRegistration(prefix + 'a'.repeat(MAX_URL_LENGTH - prefix.length + 1)));
  });

  it('resolves the host name (lower-cased) and not IP literals', async () => {
    const dns = fakeDns(DNS);
    const g = new UrlGuard({ allowLoopback: false, resolver: dns.resolver });
    await g.checkRegistration('https://Example.COM/hook');
    await g.checkRegistration(`https://${PUBLIC_V4}/hook`);
    expect(dns.lookups).toEqual(['example.com']);
  });

  it('a resolver that never answers does not block registration forever (accepted after the DNS timeout)', async () => {
    jest.useFakeTimers();
    try {
      const g = new UrlGuard({ allowLoopback: false, resolver: () => new Promise<string[]>(() => {}) });
      const pending = g.checkRegistration('https://slow.example.com/hook');
      await jest.advanceTimersByTimeAsync(10_000);
      await expect(pending).resolves.toBeInstanceOf(URL);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('UrlGuard with allowLoopback: true (local runtime)', () => {
  const guard = new UrlGuard({ allowLoopback: true, resolver: fakeDns(DNS).resolver });

  it.each([
    ['http://127.0.0.1:8080/hook'],
    ['https://127.0.0.1:8443/hook'],
    ['http://localhost:3000/hook'],
    ['http://LOCALHOST:3000/hook'],
    ['https://localhost/hook'],
    ['http://[::1]:8080/hook'],
    ['https://[::1]/hook'],
  ])('accepts loopback %s', async (url) => {
    await expect(guard.checkRegistration(url)).resolves.toBeInstanceOf(URL);
  });

  it.each([
    [`http://${PUBLIC_V4}/hook`],
    ['http://example.com/hook'],
    ['http://10.0.0.1/hook'],
    ['https://10.0.0.1/hook'],
    ['https://169.254.169.254/latest/meta-data/'],
    ['https://[fe80::1]/hook'],
    ['https://internal.example.com/hook'],
    ['https://0.0.0.0/hook'],
    ['ftp://127.0.0.1/hook'],
    ['http://user:pass@127.0.0.1:8080/hook'],
  ])('still refuses %s', async (url) => {
    await expectInvalidUrl(guard.checkRegistration(url));
  });
});

describe('UrlGuard.resolveTarget (delivery)', () => {
  it('returns the checked public address for a name, resolving exactly once', async () => {
    const dns = fakeDns(DNS);
    const guard = new UrlGuard({ allowLoopback: false, resolver: dns.resolver });
    const target = await guard.resolveTarget('https://example.com/hook?x=1');
    expect(target.address).toBe(PUBLIC_V4);
    expect(target.url.href).toBe('https://example.com/hook?x=1');
    expect(dns.lookups).toEqual(['example.com']);
  });

  it('returns one of the checked addresses when a name has several', async () => {
    const guard = new UrlGuard({ allowLoopback: false, resolver: fakeDns(DNS).resolver });
    expect(DNS['two.example.com']).toContain((await guard.resolveTarget('https://two.example.com/')).address);
  });

  it('returns an IP literal as is, without DNS', async () => {
    const dns = fakeDns(DNS);
    const guard = new UrlGuard({ allowLoopback: false, resolver: dns.resolver });
    expect((await guard.resolveTarget(`https://${PUBLIC_V4}/hook`)).address).toBe(PUBLIC_V4);
    expect((await guard.resolveTarget(`https://[${PUBLIC_V6}]/hook`)).address).toBe(PUBLIC_V6);
    expect(dns.lookups).toEqual([]);
  });

  it.each([
    ['internal.example.com'],
    ['mixed.example.com'],
    ['metadata.example.com'],
    ['loop.example.com'],
    ['mapped.example.com'],
    ['ula.example.com'],
  ])('refuses when %s resolves to a non-public address', async (host) => {
    const guard = new UrlGuard({ allowLoopback: false, resolver: fakeDns(DNS).resolver });
    await expectInvalidUrl(guard.resolveTarget(`https://${host}/hook`));
  });

  it('DNS rebinding: public at registration, private at delivery → refused at delivery', async () => {
    let calls = 0;
    const rebinding: Resolver = async () => (++calls === 1 ? [PUBLIC_V4] : ['10.0.0.5']);
    const guard = new UrlGuard({ allowLoopback: false, resolver: rebinding });
    await expect(guard.checkRegistration('https://rebind.example.com/hook')).resolves.toBeInstanceOf(URL);
    await expectInvalidUrl(guard.resolveTarget('https://rebind.example.com/hook'));
  });

  it('refuses literal non-public addresses at delivery too', async () => {
    const guard = new UrlGuard({ allowLoopback: false, resolver: fakeDns(DNS).resolver });
    for (const url of ['https://10.0.0.1/', 'https://2130706433/', 'https://[::ffff:127.0.0.1]/', 'http://93.184.216.34/']) {
      await expectInvalidUrl(guard.resolveTarget(url));
    }
  });

  it('fails (does not connect anywhere) when the name does not resolve or resolves to nothing', async () => {
    const guard = new UrlGuard({ allowLoopback: false, resolver: fakeDns(DNS).resolver });
    await expect(guard.resolveTarget('https://nowhere.example.net/hook')).rejects.toBeDefined();
    await expectInvalidUrl(guard.resolveTarget('https://empty.example.com/hook'));
  });

  it('with allowLoopback, a loopback target resolves to the loopback address', async () => {
    const guard = new UrlGuard({ allowLoopback: true, resolver: fakeDns(DNS).resolver });
    expect((await guard.resolveTarget('http://127.0.0.1:8080/hook')).address).toBe('127.0.0.1');
    expect((await guard.resolveTarget('http://[::1]:8080/hook')).address).toBe('::1');
    await expectInvalidUrl(guard.resolveTarget('https://internal.example.com/hook'));
  });
});

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    [PUBLIC_V4, 'public'],
    [PUBLIC_V6, 'public'],
    ['8.8.8.8', 'public'],
    ['10.0.0.1', 'non-public'],
    ['172.16.0.1', 'non-public'],
    ['192.168.0.1', 'non-public'],
    ['169.254.169.254', 'non-public'],
    ['100.64.0.1', 'non-public'],
    ['224.0.0.1', 'non-public'],
    ['0.0.0.0', 'non-public'],
    ['fc00::1', 'non-public'],
    ['fe80::1', 'non-public'],
    ['::ffff:10.0.0.1', 'non-public'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it('boundaries of 172.16/12 and 100.64/10', () => {
    expect(classifyAddress('172.15.255.255')).toBe('public');
    expect(classifyAddress('172.32.0.0')).toBe('public');
    expect(classifyAddress('100.63.255.255')).toBe('public');
    expect(classifyAddress('100.128.0.0')).toBe('public');
  });
});

describe('url guard: the local loopback allowance (SPEC §5)', () => {
  const local = new UrlGuard({ allowLoopback: true, resolver: async (host) => (host === 'localhost' ? ['127.0.0.1', '::1'] : ['127.0.0.1']) });

  it.each(['http://127.0.0.1:4999/h', 'https://127.0.0.1/h', 'http://localhost:4999/h', 'http://LOCALHOST/h', 'http://[::1]:4999/h'])(
    'allows %s, a loopback host as the SPEC lists it',
    async (url) => {
      await expect(local.checkRegistration(url)).resolves.toBeInstanceOf(URL);
    },
  );

  it.each([
    'https://2130706433/h',
    'http://2130706433/h',
    'https://0x7f.1/h',
    'https://0177.0.0.1/h',
    'https://127.1/h',
    'https://127.0.0.2/h',
    'https://[::ffff:127.0.0.1]/h',
    'https://[::ffff:7f00:1]/h',
    'https://loopback-name.example/h',
  ])('refuses %s even with the allowance: numeric spellings and names that resolve to loopback do not qualify', async (url) => {
    await expect(local.checkRegistration(url)).rejects.toMatchObject({ code: 'INVALID_URL' });
  });
});

describe('url guard: IPv6 outside global unicast', () => {
  const strict = new UrlGuard({ allowLoopback: false, resolver: async () => [] });
  it.each(['https://[::127.0.0.1]/h', 'https://[::10.0.0.1]/h', 'https://[::7f00:1]/h', 'https://[100::1]/h', 'https://[2001:db8::1]/h'])(
    'refuses %s',
    async (url) => {
      await expect(strict.checkRegistration(url)).rejects.toMatchObject({ code: 'INVALID_URL' });
    },
  );
  it('accepts a global unicast address', async () => {
    await expect(strict.checkRegistration('https://[2606:2800:220:1:248:1893:25c8:1946]/h')).resolves.toBeInstanceOf(URL);
  });
});

describe('url guard: ports (docs/security.md)', () => {
  const guard = new UrlGuard({ allowLoopback: true, resolver: fakeDns(DNS).resolver });

  it.each([22, 25, 23, 110, 445, 1023, 3306, 5432, 6379, 9200, 11211, 27017])('refuses well-known service port %i on a public host', async (port) => {
    await expectInvalidUrl(guard.checkRegistration(`https://${PUBLIC_V4}:${port}/`));
    await expectInvalidUrl(guard.checkRegistration(`https://example.com:${port}/hook`));
    await expectInvalidUrl(guard.resolveTarget(`https://example.com:${port}/hook`));
  });

  it.each(['', ':443', ':80', ':8443', ':8080', ':1024', ':65535'])('accepts port "%s"', async (port) => {
    await expect(guard.checkRegistration(`https://example.com${port}/hook`)).resolves.toBeInstanceOf(URL);
  });

  it('lets allowed loopback URLs (local runtime) use any port', async () => {
    await expect(guard.checkRegistration('http://127.0.0.1:22/hook')).resolves.toBeInstanceOf(URL);
    await expect(guard.checkRegistration('http://localhost:6379/hook')).resolves.toBeInstanceOf(URL);
  });
});

describe('url guard refusals carry their reason', () => {
  it('tells an empty DNS answer from a non-public address at delivery', async () => {
    const empty = new UrlGuard({ allowLoopback: false, resolver: async () => [] });
    await expect(empty.resolveTarget('https://nowhere.example/h')).rejects.toMatchObject({ refusal: 'dns_no_answer', code: 'INVALID_URL' });
    const privateAnswer = new UrlGuard({ allowLoopback: false, resolver: async () => ['10.0.0.7'] });
    await expect(privateAnswer.resolveTarget('https://inside.example/h')).rejects.toMatchObject({ refusal: 'address_not_allowed' });
    await expect(privateAnswer.checkRegistration('https://93.184.216.34:22/')).rejects.toBeInstanceOf(UrlRefusedError);
  });
});

describe('url guard: URLs that parsers read differently', () => {
  const guards = {
    deployed: new UrlGuard({ allowLoopback: false, resolver: fakeDns(DNS).resolver }),
    local: new UrlGuard({ allowLoopback: true, resolver: fakeDns(DNS).resolver }),
  };

  it.each([
    ['backslash before @ (WHATWG: example.com:22; RFC 3986: 127.0.0.1)', 'http://example.com:22\\@127.0.0.1/'],
    ['backslash before @ with https', 'https://example.com\\@127.0.0.1/'],
    ['backslash as the path separator', 'https:\\\\example.com\\hook'],
    ['backslash in the path', 'https://example.com/a\\b'],
    ['empty userinfo', 'https://@example.com/'],
    ['@ in the authority after a port', 'https://example.com:443@127.0.0.1/'],
    ['percent-encoded userinfo', 'https://%40@example.com/'],
    ['no // (WHATWG reads a host, RFC 3986 a path)', 'https:example.com/hook'],
    ['one slash', 'https:/example.com/hook'],
    ['three slashes', 'https:///example.com/hook'],
    ['right-to-left override in the path', 'https://example.com/ok/\u202Ecba'],
    ['left-to-right mark', 'https://example.com/\u200Eok'],
    ['right-to-left mark', 'https://example.com/\u200Fok'],
    ['bidi embedding U+202A', 'https://example.com/\u202Aok'],
    ['bidi pop U+202C', 'https://example.com/\u202Cok'],
    ['bidi isolate U+2066', 'https://example.com/\u2066ok'],
    ['bidi isolate pop U+2069', 'https://example.com/\u2069ok'],
    ['zero-width space in the host', 'https://exa\u200Bmple.com/'],
    ['byte order mark', '\uFEFFhttps://example.com/'],
    ['NUL', 'https://example.com/\u0000'],
    ['tab inside (WHATWG removes it)', 'https://exam\tple.com/'],
    ['newline inside', 'https://example.com/a\nb'],
    ['DEL', 'https://example.com/\u007F'],
    ['C1 control U+0085', 'https://example.com/\u0085'],
    ['C1 control U+009B', 'https://example.com/\u009B'],
    ['leading space (WHATWG strips it)', ' https://example.com/'],
    ['trailing space', 'https://example.com/ '],
    ['space in the path', 'https://example.com/a b'],
    ['no-break space', 'https://example.com/a\u00A0b'],
  ])('refuses %s, loopback allowed or not', async (_name, url) => {
    await expectInvalidUrl(guards.deployed.checkRegistration(url));
    await expectInvalidUrl(guards.local.checkRegistration(url));
    expect(() => guards.local.parse(url)).toThrow(UrlRefusedError);
  });

  it.each([
    ['upper-case scheme and host', 'HTTPS://EXAMPLE.COM/Hook', 'https://example.com/Hook'],
    ['no path', 'https://example.com', 'https://example.com/'],
    ['default port', 'https://example.com:443/hook', 'https://example.com/hook'],
    ['dot segments', 'https://example.com/a/../hook', 'https://example.com/hook'],
    ['international name', 'https://b\u00FCcher.example.com/hook', 'https://xn--bcher-kva.example.com/hook'],
    ['non-ASCII path', 'https://example.com/caf\u00E9', 'https://example.com/caf%C3%A9'],
    ['percent-encoded bidi stays encoded', 'https://example.com/ok/%E2%80%AEabc', 'https://example.com/ok/%E2%80%AEabc'],
  ])('gives the normalised (WHATWG) form to store: %s', async (_name, raw, normalised) => {
    expect((await guards.deployed.checkRegistration(raw)).href).toBe(normalised);
  });
});
