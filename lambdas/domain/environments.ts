// The environments an event belongs to (SPEC §3), defined once: the type, the zod enums and
// the stack's stage names all come from this array.
export const ENVIRONMENTS = ['sandbox', 'live'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
