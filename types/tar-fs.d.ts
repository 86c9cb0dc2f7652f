// The one function of tar-fs the tests use (unpacking @sparticuz/chromium's archives); it ships no types.
declare module 'tar-fs' {
  import type { Writable } from 'node:stream';
  const tarFs: { extract(directory: string): Writable };
  export default tarFs;
}
