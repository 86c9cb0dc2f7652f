// EventBridge pattern matching for the subset of the pattern language the stack uses: each key
// lists allowed values, exact (`"x"`) or by prefix (`{ prefix: "x" }`); nested objects recurse.

type Matcher = string | number | boolean | null | { prefix: string };
export type EventPattern = { readonly [key: string]: readonly Matcher[] | EventPattern };

function matchesValue(matchers: readonly Matcher[], value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  return values.some((v) =>
    matchers.some((m) =>
      m !== null && typeof m === 'object' ? typeof v === 'string' && v.startsWith(m.prefix) : m === v,
    ),
  );
}

export function matchesPattern(pattern: EventPattern, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    const value = event[key];
    if (Array.isArray(rule)) return value !== undefined && matchesValue(rule, value);
    return value !== null && typeof value === 'object' && matchesPattern(rule as EventPattern, value as Record<string, unknown>);
  });
}
