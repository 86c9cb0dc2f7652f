// The portal function's responses (lambdas/portal.handler.ts) over the built assets: the page, its
// hashed assets, the security and cache headers, and the error envelope for anything else.
import { handler } from '../../lambdas/portal.handler.js';
import { PORTAL_ASSETS, PORTAL_PAGE } from '../../lambdas/portal/assets.generated.js';
import { ASSET_CACHE_CONTROL, PAGE_CACHE_CONTROL, PORTAL_CSP } from '../../lambdas/portal/portal-response.js';

const get = (rawPath: string, asset?: string) =>
  handler({
    version: '2.0',
    routeKey: asset === undefined ? 'GET /portal' : 'GET /portal/{asset}',
    rawPath,
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    ...(asset === undefined ? {} : { pathParameters: { asset } }),
    requestContext: { requestId: 'req-portal', http: { method: 'GET', path: rawPath } },
  } as never) as Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;

const referenced = () => [...PORTAL_PAGE.matchAll(/(?:src|href)="portal\/([^"]+)"/g)].map((m) => m[1]!);

describe('portal responses', () => {
  it('serves the page uncached, under a CSP that allows nothing inline and nothing from elsewhere', async () => {
    const res = await get('/portal');
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': PAGE_CACHE_CONTROL,
      'content-security-policy': PORTAL_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-request-id': 'req-portal',
    });
    const directives = Object.fromEntries(PORTAL_CSP.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(directives).toMatchObject({ 'default-src': "'self'", 'script-src': "'self'", 'style-src': "'self'", 'frame-ancestors': "'none'", 'object-src': "'none'" });
    expect(PORTAL_CSP).not.toMatch(/unsafe|\*|data:|http/);
    expect(res.body).toBe(PORTAL_PAGE);
  });

  it('has no inline script, style or event handler in the page, and references only assets it serves', () => {
    expect(PORTAL_PAGE).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(PORTAL_PAGE).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(referenced().sort()).toEqual(Object.keys(PORTAL_ASSETS).sort());
    expect(referenced().length).toBe(3);
  });

  it('serves each hashed asset with its type and a year-long immutable cache', async () => {
    for (const [name, asset] of Object.entries(PORTAL_ASSETS)) {
      expect(name).toMatch(/^[a-z]+-[A-Za-z0-9_-]{8}\.(js|css|svg)$/);
      const res = await get(`/portal/${name}`, name);
      expect(res).toMatchObject({ statusCode: 200, body: asset.body });
      expect(res.headers).toMatchObject({ 'content-type': asset.contentType, 'cache-control': ASSET_CACHE_CONTROL, 'x-content-type-options': 'nosniff' });
    }
  });

  it('answers 404 NOT_FOUND in the error envelope for any other name, prototype keys included', async () => {
    for (const name of ['nope.js', '__proto__', 'constructor', 'toString', 'portal.js']) {
      const res = await get(`/portal/${name}`, name);
      expect(res.statusCode).toBe(404);
      expect(res.headers).toMatchObject({ 'content-type': 'application/json', 'x-request-id': 'req-portal', 'cache-control': PAGE_CACHE_CONTROL });
      expect(JSON.parse(res.body)).toEqual({ error: { code: 'NOT_FOUND', message: 'No such portal file.', request_id: 'req-portal' } });
    }
  });
});
