// A self-signed certificate for loopback HTTPS receivers (tests and the bench): CN and SAN
// `localhost`, SAN IP 127.0.0.1, valid to 2126. Trust it by passing `cert` as the client's `ca`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const file = (name: string) => readFileSync(fileURLToPath(new URL(`./tls/${name}`, import.meta.url)), 'utf8');

export const LOOPBACK_TLS = { key: file('localhost-key.pem'), cert: file('localhost-cert.pem') };
