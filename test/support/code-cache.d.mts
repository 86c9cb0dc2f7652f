export function codeCacheFile(file: string, source: string): string;
export function removeStaleCodeCaches(dir: string, bundles: string[]): void;
