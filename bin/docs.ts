// `npm run docs`: rewrites the generated parts of docs/ (see bin/docs-render.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED_DOCS, renderGenerated, ROOT } from './docs-render.js';

for (const file of GENERATED_DOCS) {
  const path = join(ROOT, file);
  const before = readFileSync(path, 'utf8');
  const after = renderGenerated(before);
  if (after !== before) writeFileSync(path, after);
  console.log(`${file}: ${after === before ? 'up to date' : 'updated'}`);
}
