// The integrator portal's HTTP responses (SPEC §10): the page, its hashed assets, and the headers
// that keep it safe — a strict Content-Security-Policy (nothing inline, nothing from elsewhere,
// no framing), nosniff, no referrer. The page is revalidated on every load; hashed assets never.
import { ApiError } from '../domain/errors.js';
import { type ApiResponse, errorResponse } from '../http/responses.js';
import { PORTAL_ASSETS, PORTAL_PAGE } from './assets.generated.js';

export const PORTAL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  // Forms are handled by script; without it nothing (credentials least of all) goes into a URL.
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': PORTAL_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export const PAGE_CACHE_CONTROL = 'no-cache';
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** `asset` undefined: the page itself. */
export function portalResponse(asset: string | undefined, requestId: string): ApiResponse {
  const common = { ...SECURITY_HEADERS, 'x-request-id': requestId };
  if (asset === undefined) {
    return {
      statusCode: 200,
      headers: { ...common, 'content-type': 'text/html; charset=utf-8', 'cache-control': PAGE_CACHE_CONTROL },
      body: PORTAL_PAGE,
    };
  }
  const file = Object.hasOwn(PORTAL_ASSETS, asset) ? PORTAL_ASSETS[asset] : undefined;
  if (!file) {
    const notFound = errorResponse(new ApiError('NOT_FOUND', 'No such portal file.'), requestId);
    return { ...notFound, headers: { ...common, ...notFound.headers, 'cache-control': PAGE_CACHE_CONTROL } };
  }
  return {
    statusCode: 200,
    headers: { ...common, 'content-type': file.contentType, 'cache-control': ASSET_CACHE_CONTROL },
    body: file.body,
  };
}
