// The catalog's example payloads (events/examples/<type>.json).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function exampleData(eventType: string): Record<string, unknown> {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../events/examples/${eventType}.json`, import.meta.url)), 'utf8'));
}
