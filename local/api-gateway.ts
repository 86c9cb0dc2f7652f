// The local stand-in for API Gateway (HTTP API, payload 2.0): turns each HTTP request into the
// event API Gateway would send, picks the handler from the shared route table (or the
// `$default` fallback) and writes back the handler's response.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ApiError } from '../lambdas/domain/errors.js';
import { errorResponse } from '../lambdas/http/responses.js';
import { FALLBACK_HANDLER, matchRoute } from '../lambdas/routes.js';
import { http } from '../lambdas/shared/node-http.js';
import { lambdaContext } from './lambda-context.js';
import { listenOnLoopback, readBody } from './loopback-server.js';

export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
export type HandlerLoader = <E, R>(name: string) => Promise<(event: E, context: Context) => Promise<R>>;

/** API Gateway refuses larger payloads before any Lambda runs. */
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

export async function startApiGateway(options: { port: number; loadHandler: HandlerLoader }): Promise<{ url: string; stop(): Promise<void> }> {
  const server: Server = http.createServer((req, res) => {
    handle(req, res, options.loadHandler).catch(() => {
      if (!res.headersSent) writeResponse(res, errorResponse(new ApiError('INTERNAL_ERROR', 'Internal error.'), randomUUID()));
    });
  });
  server.on('clientError', answerClientError);
  return listenOnLoopback(server, options.port);
}

/**
 * What Node's HTTP parser refuses before any handler runs (an unknown method, malformed HTTP,
 * headers over Node's 16 KiB): answered in the error envelope with an X-Request-Id like every
 * other response, instead of Node's bare `400 Bad Request`.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const apiError = tooLarge
    ? new ApiError('REQUEST_HEADERS_TOO_LARGE', 'Request headers are too large.')
    : new ApiError('BAD_REQUEST', 'The request is not valid HTTP (or uses an unknown method).');
  const result = errorResponse(apiError, randomUUID());
  const body = Buffer.from(result.body ?? '', 'utf8');
  const headers = { ...result.headers, 'content-length': String(body.length), connection: 'close' };
  const head = [`HTTP/1.1 ${apiError.status} ${http.STATUS_CODES[apiError.status]}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${String(v)}`)];
  socket.end(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]));
}

async function handle(req: IncomingMessage, res: ServerResponse, loadHandler: HandlerLoader): Promise<void> {
  const requestId = randomUUID();
  const body = await readBody(req, GATEWAY_MAX_BODY_BYTES);
  if (body === undefined) {
    writeResponse(res, errorResponse(new ApiError('PAYLOAD_TOO_LARGE', 'Request body is too large.'), requestId));
    return;
  }
  const url = new URL(req.url ?? '/', 'http://local');
  const method = (req.method ?? 'GET').toUpperCase();
  const match = matchRoute(method, url.pathname);
  const event = toApiGatewayEvent(req, url, body, requestId, match.kind === 'route' ? match : undefined);
  const name = match.kind === 'route' ? match.route.name : FALLBACK_HANDLER;
  const handler = await loadHandler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(name);
  writeResponse(res, await handler(event, lambdaContext(name)));
}

function toApiGatewayEvent(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  requestId: string,
  match: { route: { method: string; path: string }; pathParameters: Record<string, string> } | undefined,
): APIGatewayProxyEventV2 {
  // API Gateway lower-cases header names and joins repeated headers and query values with commas.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const now = new Date();
  const method = (req.method ?? 'GET').toUpperCase();
  const routeKey = match ? `${match.route.method} ${match.route.path}` : '$default';
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(match && Object.keys(match.pathParameters).length ? { pathParameters: match.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...encodeBody(body, headers['content-type']),
  };
}

/** Like API Gateway: text payloads pass as strings, anything else base64-encoded. */
function encodeBody(body: Buffer, contentType: string | undefined): Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'> {
  if (body.length === 0) return { isBase64Encoded: false };
  const textual = contentType !== undefined && /json|text\/|xml|x-www-form-urlencoded/i.test(contentType);
  return textual ? { body: body.toString('utf8'), isBase64Encoded: false } : { body: body.toString('base64'), isBase64Encoded: true };
}

function writeResponse(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const body = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  res.writeHead(result.statusCode ?? 200, { ...headers, 'content-length': String(body.length) });
  res.end(body);
}
