import { fileURLToPath } from 'node:url';

/** The repository root (bench/ is one level below). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
