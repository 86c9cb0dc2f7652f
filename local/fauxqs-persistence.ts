// fauxqs persists queues and messages to SQLite only through startFauxqs(), which listens on
// 0.0.0.0; the local runtime listens on loopback only. So the stores are wired here as
// startFauxqs() wires them (fauxqs 2.4, pinned by the lock file) and handed to buildApp().
// The package exports only its entry point: its own modules are imported by file URL.
type FauxqsStores = { sqsStore: unknown; snsStore: unknown; s3Store: unknown };

export async function persistentStores(dataDir: string): Promise<{ stores: FauxqsStores; close(): void }> {
  const entry = import.meta.resolve('fauxqs');
  const load = async <T>(path: string) => (await import(new URL(path, entry).href)) as T;
  const { SqsStore } = await load<{ SqsStore: new () => { allQueues(): { persistence?: unknown }[]; persistence?: unknown } }>('./sqs/sqsStore.js');
  const { SnsStore } = await load<{ SnsStore: new () => { persistence?: unknown } }>('./sns/snsStore.js');
  const { S3Store } = await load<{ S3Store: new () => { persistence?: unknown } }>('./s3/s3Store.js');
  const { PersistenceManager } = await load<{
    PersistenceManager: new (dir: string) => { db: { exec(sql: string): void }; load(sqs: unknown, sns: unknown, s3: unknown): void; close(): void };
  }>('./persistence.js');
  const sqsStore = new SqsStore();
  const snsStore = new SnsStore();
  const s3Store = new S3Store();
  const persistence = new PersistenceManager(dataDir);
  // WAL (fauxqs's choice) with NORMAL sync: every write survives the process being killed (the
  // promise SPEC §6 makes); only an OS crash may lose the last ones. FULL halves throughput here.
  persistence.db.exec('PRAGMA synchronous = NORMAL');
  // Load first, then attach (as startFauxqs does: loading must not write back).
  persistence.load(sqsStore, snsStore, s3Store);
  sqsStore.persistence = persistence;
  snsStore.persistence = persistence;
  s3Store.persistence = persistence;
  for (const queue of sqsStore.allQueues()) queue.persistence = persistence;
  return { stores: { sqsStore, snsStore, s3Store }, close: () => persistence.close() };
}
