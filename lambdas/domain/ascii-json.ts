// JSON text with every non-ASCII character escaped as \uXXXX. It parses back to exactly the same
// value, passes where a transport refuses some characters (SQS refuses U+FFFF, the local
// emulator astral ones too), and can be cut anywhere without splitting a character.
export const asciiJson = (value: unknown): string =>
  JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
