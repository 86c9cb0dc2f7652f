// The one place that decides whether a webhook URL may be used (SPEC §5): at registration
// (create, PATCH) and, through resolveTarget, at delivery.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { ApiError } from './errors.js';

export const MAX_URL_LENGTH = 2048;
const DNS_TIMEOUT_MS = 2000;

/** Resolves a host name to its addresses. A seam so tests can play DNS rebinding. */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Ports a webhook may use (docs/security.md): the scheme's default, 80, 443, or 1024–65535 minus
 * well-known service ports, so the test route and the history's error kinds cannot be used to
 * scan SSH, mail, databases or caches on public hosts. Loopback URLs (local runtime) take any port.
 */
export const DENIED_SERVICE_PORTS: ReadonlySet<number> = new Set([
  1080, 1433, 1434, 1521, 1883, 2049, 2375, 2376, 2379, 2380, 3306, 3389, 4369, 5000, 5432, 5672, 5900, 5984, 6379, 6443, 7000,
  7001, 8086, 8500, 8883, 9042, 9092, 9200, 9300, 10250, 11211, 15672, 25565, 27017, 27018, 27019, 50070,
]);

/** Whether a URL's port (as WHATWG URL gives it: '' for the scheme's default) is allowed for webhooks. */
export function isAllowedPort(port: string): boolean {
  if (port === '' || port === '80' || port === '443') return true;
  const n = Number(port);
  return n >= 1024 && n <= 65535 && !DENIED_SERVICE_PORTS.has(n);
}

export type AddressKind = 'public' | 'loopback' | 'non-public';

/** Classifies an IP address; IPv4-mapped IPv6 counts as its IPv4 address. */
export function classifyAddress(address: string): AddressKind {
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) {
    ip = (ip as ipaddr.IPv6).toIPv4Address();
  }
  const range = ip.range();
  if (range === 'loopback') return 'loopback';
  if (range !== 'unicast') return 'non-public';
  // IPv6: only global unicast (2000::/3) is public; ipaddr.js calls the rest of the space
  // "unicast" too, including IPv4-compatible ::a.b.c.d.
  if (ip.kind() === 'ipv6' && ((ip as ipaddr.IPv6).parts[0]! & 0xe000) !== 0x2000) return 'non-public';
  return 'public';
}

/** The loopback hosts the local runtime may allow, exactly as written (SPEC §5): other spellings do not qualify. */
const ALLOWABLE_LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Characters no webhook URL may hold: controls (C0, C1), format characters (bidi marks, embeddings
 * and isolates such as U+202E, zero-width characters, soft hyphen, BOM) and whitespace. The WHATWG
 * parser strips or percent-encodes some of them, other parsers do not, and bidi controls make a
 * shown URL read differently from the one used.
 */
const HIDDEN_OR_CONTROL = /[\p{Cc}\p{Cf}\p{Z}]/u;

/** `scheme://authority`: the authority as written, up to the first `/`, `?` or `#`. */
const AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i;

/** The host as the URL spells it, before the parser canonicalises numeric forms. */
function writtenHost(raw: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(raw)?.[1]?.toLowerCase() ?? '';
}

/** Why the guard refused a URL: the delivery history shows it as the attempt's `error`. */
export type UrlRefusal = 'invalid_url' | 'port_not_allowed' | 'address_not_allowed' | 'dns_no_answer';

/** The guard's own error: an INVALID_URL at registration, a refusal reason at delivery. */
export class UrlRefusedError extends ApiError {
  constructor(
    readonly refusal: UrlRefusal,
    message: string,
  ) {
    super('INVALID_URL', message, 'url');
    this.name = 'UrlRefusedError';
  }
}

const invalid = (message: string, refusal: UrlRefusal = 'invalid_url') => new UrlRefusedError(refusal, message);

export type UrlGuardOptions = { allowLoopback: boolean; resolver?: Resolver };

export class UrlGuard {
  private readonly resolver: Resolver;

  constructor(private readonly options: UrlGuardOptions) {
    this.resolver = options.resolver ?? systemResolver;
  }

  /**
   * Syntax and literal-address checks. The WHATWG parser already turns numeric spellings
   * (2130706433, 0x7f.1, 0177.0.0.1, 127.1) into dotted IPv4 and lower-cases the host. A URL that
   * WHATWG and RFC 3986 parsers would read differently is refused before it is parsed: a
   * backslash (WHATWG reads it as `/`, RFC 3986 as data: `https://a.example\@127.0.0.1/` names a.example
   * to one and 127.0.0.1 to the other), an `@` anywhere in the authority (credentials are refused,
   * so it can only mislead), and a missing or extra `//` (`https:a.example`, `https:///a.example`).
   */
  parse(raw: string): { url: URL; host: string; loopbackAllowed: boolean } {
    if (raw.length > MAX_URL_LENGTH) throw invalid(`url must be at most ${MAX_URL_LENGTH} characters.`);
    if (HIDDEN_OR_CONTROL.test(raw)) throw invalid('url must not contain control, invisible (such as bidi) or whitespace characters.');
    if (raw.includes('\\')) throw invalid('url must not contain a backslash.');
    const authority = AUTHORITY.exec(raw)?.[1];
    if (!authority) throw invalid('url must be an absolute https:// URL.');
    if (authority.includes('@')) throw invalid('url must not contain credentials or an @ before its host.');
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw invalid('url must be an absolute https:// URL.');
    }
    const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
    const loopbackAllowed = this.options.allowLoopback && ALLOWABLE_LOOPBACK_HOSTS.has(writtenHost(raw));
    if (url.protocol !== 'https:' && !(loopbackAllowed && url.protocol === 'http:')) {
      throw invalid('url must be an absolute https:// URL.');
    }
    if (!host) throw invalid('url must name a host.');
    if (url.username || url.password) throw invalid('url must not contain credentials.');
    if (!loopbackAllowed && !isAllowedPort(url.port)) {
      throw invalid('url port is not allowed: use 443, 80, or a port from 1024 to 65535 that is not a well-known service port.', 'port_not_allowed');
    }
    if (isIP(host) !== 0) this.assertAllowed(host, loopbackAllowed);
    else if (host === 'localhost' && !loopbackAllowed) throw invalid('url must not point at a non-public address.', 'address_not_allowed');
    return { url, host, loopbackAllowed };
  }

  /**
   * Registration check: a name is resolved and every address must be public. A name that does
   * not resolve (yet) is accepted (SPEC §6); delivery checks it again. The URL's `href` (the WHATWG
   * serialisation) is the form to store.
   */
  async checkRegistration(raw: string): Promise<URL> {
    const { url, host, loopbackAllowed } = this.parse(raw);
    if (isIP(host) === 0) {
      const addresses = await this.resolveQuietly(host);
      for (const address of addresses) this.assertAllowed(address, loopbackAllowed);
    }
    return url;
  }

  /**
   * Delivery check: resolve once and return the address to connect to, so the connection goes
   * to exactly the address that was checked (no DNS rebinding window).
   */
  async resolveTarget(raw: string): Promise<{ url: URL; address: string }> {
    const { url, host, loopbackAllowed } = this.parse(raw);
    if (isIP(host) !== 0) return { url, address: host };
    const addresses = await this.resolver(host);
    if (addresses.length === 0) throw invalid('url host does not resolve.', 'dns_no_answer');
    for (const address of addresses) this.assertAllowed(address, loopbackAllowed);
    return { url, address: addresses[0]! };
  }

  /** Public addresses only; loopback too when the URL names one of the allowable loopback hosts. */
  private assertAllowed(address: string, loopbackAllowed: boolean): void {
    const kind = classifyAddress(address);
    if (kind === 'public' || (kind === 'loopback' && loopbackAllowed)) return;
    throw invalid('url must not point at a non-public address.', 'address_not_allowed');
  }

  private async resolveQuietly(host: string): Promise<string[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string[]>((resolve) => {
      timer = setTimeout(() => resolve([]), DNS_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.resolver(host).catch(() => []), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
