// DATA_DIR holds API key hashes, the webhook secrets' key file and every table: private to the
// user who runs the local runtime. The directory is 0700 and everything in it 0600 (0700 for
// directories), whatever an older version or a umask left there; and the process's umask makes
// every file created later (LevelDB writes new table and log files as it runs) private too.
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function makeDataDirPrivate(dataDir: string): void {
  process.umask(0o077);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  tighten(dataDir);
}

function tighten(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    if ((stat.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
    for (const entry of readdirSync(path)) tighten(join(path, entry));
  } else if ((stat.mode & 0o077) !== 0) {
    chmodSync(path, (stat.mode & 0o700) | 0o600);
  }
}
