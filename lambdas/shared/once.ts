// A value built on first use and shared afterwards (a Lambda container's lifetime).
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}
