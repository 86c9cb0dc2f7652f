// `node:http` without an ESM import. On Node 24 an ESM import of node:http builds its whole
// namespace, whose lazy exports (WebSocket, MessageEvent, …) load undici, http2, worker_threads and
// assert: measured ~40 ms of each delivery function's cold start (~6 ms this way), and of each
// local runtime start. Types still come from `import type … from 'node:http'`.
export const http = /* @__PURE__ */ process.getBuiltinModule('node:http');
