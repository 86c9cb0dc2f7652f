// `--profile`: the runtime's main-thread CPU profile (--cpu-prof) cut to the pipeline window (V8 timestamps and hrtime
// share the monotonic clock) and summarised by component and top functions; other threads' work is not in it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageOf, ROOT, round } from './util.js';

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
export type CpuProfile = { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] };

const CORE = 'Node core';
const SPECIAL = new Map([['(garbage collector)', 'GC'], ['(idle)', 'idle'], ['(program)', 'V8/native (program)'], ['(root)', 'idle']]);
const PRODUCT_DEPS = new Set(['zod', '@middy/core', 'uuid', 'ipaddr.js']);

/** A package and everything it depends on, as installed (hoisted or nested). */
function closure(name: string): Set<string> {
  const seen = new Set<string>();
  const visit = (pkg: string, from: string) => {
    if (seen.has(pkg)) return;
    seen.add(pkg);
    const nested = join(from, 'node_modules', pkg);
    const dir = existsSync(nested) ? nested : join(ROOT, 'node_modules', pkg);
    let deps: string[] = [];
    try {
      const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
      deps = Object.keys({ ...json.dependencies, ...json.optionalDependencies });
    } catch {
      // not installed
    }
    for (const dep of deps) visit(dep, dir);
  };
  visit(name, ROOT);
  return seen;
}

function componentOf(): (frame: CallFrame) => string {
  const [dynalite, fauxqs] = [closure('dynalite'), closure('fauxqs')];
  return ({ functionName, url }) => {
    if (SPECIAL.has(functionName)) return SPECIAL.get(functionName)!;
    const pkg = packageOf(url);
    if (pkg) {
      if (['@aws-sdk/', '@smithy/', '@aws-crypto/'].some((p) => pkg.startsWith(p))) return 'AWS SDK';
      if (pkg === 'tsx' || pkg === 'esbuild' || pkg === 'get-tsconfig') return 'tsx loader';
      if (dynalite.has(pkg)) return 'dynalite+leveldb';
      if (fauxqs.has(pkg)) return 'fauxqs+fastify';
      return PRODUCT_DEPS.has(pkg) ? 'our deps (zod, middy, uuid, ipaddr)' : `other npm: ${pkg}`;
    }
    for (const dir of ['lambdas', 'local', 'bin']) if (url.includes(`/${dir}/`)) return `our code ${dir}/`;
    return CORE;
  };
}

/** Node-core frames charged to their nearest caller outside Node core (and not idle). */
function attribution(profile: CpuProfile, group: (frame: CallFrame) => string): (node: ProfileNode) => string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const cache = new Map<number, string>();
  return (node) => {
    if (cache.has(node.id)) return cache.get(node.id)!;
    let g = group(node.callFrame);
    for (let p = parent.get(node.id); g === CORE && p !== undefined; p = parent.get(p)) {
      const pg = group(byId.get(p)!.callFrame);
      if (pg !== CORE && pg !== 'idle') g = pg;
    }
    if (g === CORE) g = `${CORE} (no JS caller)`;
    cache.set(node.id, g);
    return g;
  };
}

/**
 * The profile itself, or the directory --cpu-prof wrote it to: the main thread's (thread id 0 in the file name;
 * dynalite's worker thread writes one of its own, not summarised).
 */
export function summariseProfile(source: CpuProfile | string, window: { startUs: number; endUs: number }) {
  const file = typeof source === 'string' ? readdirSync(source).find((f) => /\.0\.\d+\.cpuprofile$/.test(f)) : undefined;
  if (typeof source === 'string' && !file) return { error: `no .cpuprofile in ${source}` };
  const profile = typeof source === 'string' ? (JSON.parse(readFileSync(join(source, file!), 'utf8')) as CpuProfile) : source;
  const group = componentOf();
  const attribute = attribution(profile, group);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const [self, inclusive, functions] = [new Map<string, number>(), new Map<string, number>(), new Map<string, number>()];
  const add = (m: Map<string, number>, key: string, us: number) => m.set(key, (m.get(key) ?? 0) + us);
  let [t, total, idle] = [profile.startTime, 0, 0];
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < window.startUs || t > window.endUs) continue;
    const us = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i]!)!;
    const g = group(node.callFrame);
    total += us;
    if (g === 'idle') {
      idle += us;
      continue;
    }
    add(self, g, us);
    add(inclusive, attribute(node), us);
    const f = node.callFrame;
    const where = f.url ? `${f.url.replace(/^file:\/\//, '').replace(ROOT, '')}:${f.lineNumber + 1}` : '(native)';
    add(functions, `${f.functionName || '(anonymous)'} ${where}`, us);
  }
  const busy = total - idle;
  const table = (m: Map<string, number>, limit: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([name, us]) => ({ name, ms: round(us / 1000, 0), pct_of_busy: round((us / busy) * 100, 1) }));
  return {
    window_s: round((window.endUs - window.startUs) / 1e6, 2),
    main_thread_busy_pct: round((busy / Math.max(1, total)) * 100, 1),
    note: 'Main-thread samples only (1 ms interval) within the pipeline window (first publish → last delivery); leveldb I/O on the libuv pool and GC helper threads are not included. self = the leaf frame\'s component; attributed = Node-core/V8-builtin frames charged to the nearest caller outside Node core ("Node core (no JS caller)" = socket I/O, HTTP parsing, timers with no JS frame above). Components: dynalite+leveldb = the DynamoDB emulator and its dependency closure; fauxqs+fastify = the SQS emulator and its closure; AWS SDK = @aws-sdk/*, @smithy/*, @aws-crypto/* (the runtime\'s clients; fauxqs also uses SDK serializers); our code = lambdas/, local/.',
    self_by_component: table(self, 20),
    attributed_by_component: table(inclusive, 20),
    top_functions: table(functions, 25),
  };
}

export type ProfileSummary = ReturnType<typeof summariseProfile>;
