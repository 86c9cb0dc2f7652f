// The generated parts of docs/ (between `<!-- BEGIN GENERATED: x -->` and `<!-- END GENERATED: x -->`):
// the route reference of docs/api.md from the OpenAPI document, and the event catalog of
// docs/events.md from the catalog's schemas and the repository's examples (events/examples/).
// `npm run docs` rewrites them; test/unit/docs.test.ts fails when they are stale.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_STATUS } from '../lambdas/domain/errors.js';
import { EVENT_DESCRIPTIONS, eventDataJsonSchema, SUBSCRIBABLE_EVENT_TYPES, TEST_EVENT_TYPE, type EventType } from '../lambdas/domain/event-catalog.js';
import { openApiDocument } from '../lambdas/openapi/document.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
export const GENERATED_DOCS = ['docs/api.md', 'docs/events.md'] as const;

type Json = Record<string, any>;

function fieldRows(type: EventType): string[] {
  const schema = eventDataJsonSchema(type) as { properties: Record<string, Json>; required?: string[] };
  return Object.entries(schema.properties).map(([name, p]) => {
    const kind =
      p.const !== undefined
        ? `\`${JSON.stringify(p.const)}\``
        : p.enum
          ? p.enum.map((v: unknown) => `\`${JSON.stringify(v)}\``).join(' or ')
          : p.format === 'uuid'
            ? 'UUID'
            : p.format === 'date-time'
              ? 'timestamp (ISO 8601, UTC)'
              : p.pattern === '^-?\\d+(\\.\\d+)?$'
                ? 'decimal as a string'
                : p.pattern
                  ? `string matching \`${p.pattern}\``
                  : String(p.type);
    return `| \`${name}\` | ${kind} | ${schema.required?.includes(name) ? 'yes' : 'no'} |`;
  });
}

function eventsBlock(): string {
  const types: EventType[] = [...SUBSCRIBABLE_EVENT_TYPES, TEST_EVENT_TYPE];
  const sections = types.map((type) => {
    const file = `events/examples/${type}.json`;
    const example = type === TEST_EVENT_TYPE ? undefined : readFileSync(join(ROOT, file), 'utf8').trim();
    return [
      `### \`${type}\``,
      '',
      EVENT_DESCRIPTIONS[type],
      '',
      '| Field of `data` | Type | Required |',
      '|---|---|---|',
      ...fieldRows(type),
      '',
      ...(example ? [`Example \`data\` ([${file}](../${file})):`, '', '```json', example, '```', ''] : []),
    ].join('\n');
  });
  return sections.join('\n');
}

function apiBlock(): string {
  const doc = openApiDocument() as Json;
  const rows: string[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const [method, op] of Object.entries<Json>(item)) {
      const statuses = Object.keys(op.responses);
      const success = statuses.filter((s) => Number(s) < 400).join(', ');
      const errors = statuses
        .filter((s) => Number(s) >= 400)
        .map((s) => `${s} ${op.responses[s].description}`)
        .join('; ');
      const auth = op.security.length === 0 ? 'none' : op.security[1].Basic.length ? `\`${op.security[1].Basic[0]}\`` : 'any key';
      rows.push(`| ${method.toUpperCase()} | \`${path}\` | ${op.summary} | ${success} | ${auth} | ${errors} |`);
    }
  }
  return [
    '| Method | Path | What | Success | Scope | Errors |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `Error codes (${Object.keys(ERROR_STATUS).length}): ${Object.entries(ERROR_STATUS)
      .map(([code, status]) => `\`${code}\` ${status}`)
      .join(', ')}.`,
  ].join('\n');
}

const BLOCKS: Record<string, () => string> = { events: eventsBlock, api: apiBlock };

/** The file's text with every generated block rendered afresh. */
export function renderGenerated(text: string): string {
  return text.replace(
    /(<!-- BEGIN GENERATED: (\w+)[^>]*-->\n)[\s\S]*?(<!-- END GENERATED: \2 -->)/g,
    (_, begin: string, name: string, end: string) => {
      const block = BLOCKS[name];
      if (!block) throw new Error(`unknown generated block ${name}`);
      return `${begin}${block()}\n${end}`;
    },
  );
}
