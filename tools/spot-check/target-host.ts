/**
 * The target host: a long-lived process (one per job slot of the spot-checker) that boots copies of
 * the reference target IN-PROCESS on demand, so node + tsx start, the dependencies' import
 * (fastify, pino, luxon, ajv, PGlite's JS) and PGlite's WebAssembly compile (PGlite caches the
 * compiled module per URL) are paid once per host, not once per fault. Started by
 * hosted-target.ts (`fork`, `node --import tsx`); it speaks only over the IPC channel.
 *
 * Each boot imports a FRESH module graph of `<dir>/src`: a resolve hook appends the boot's
 * generation (`?casera-gen=N`) to every file module imported from a module of that generation
 * (never to node_modules), so a file patched since the last boot is the one that runs, and two
 * running targets (the main and the short-window one) share no module state.
 *
 * A boot does what src/main.ts does, minus the signal handlers and process.exit: loadConfig() with
 * the boot's environment (process.env = the host's env + PORT=0, HOST=127.0.0.1 + the boot's env,
 * one boot at a time, restored afterwards), openDb(), buildApp(), listen, and the same JSON log
 * lines (the `listening` line too) appended to the boot's log file instead of stdout (what a target
 * writes to stdout itself goes to every open target's log file).
 *
 * Messages in:  {op:'boot', id, dir, env, logFile} | {op:'close', id, target} | {op:'stats', id}
 * Messages out: {op:'ready'} | {id, ok:true, ...} | {id, ok:false, error}
 * The host exits when the parent disconnects. An uncaught error in a target ends the host (as it
 * would end a target process); the parent starts a new host at the next boot.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';

/** Runs in the loader thread: propagate the parent's generation to its file imports. */
const HOOK = `
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  const parent = context.parentURL;
  if (!parent || !r.url.startsWith('file:') || r.url.includes('/node_modules/')) return r;
  const m = /[?&]casera-gen=(\\d+)/.exec(parent);
  if (!m || /[?&]casera-gen=/.test(r.url)) return r;
  return { ...r, url: r.url + (r.url.includes('?') ? '&' : '?') + 'casera-gen=' + m[1] };
}
`;
register('data:text/javascript,' + encodeURIComponent(HOOK));

export type HostRequest =
  | { op: 'boot'; id: number; dir: string; env: Record<string, string>; logFile: string }
  | { op: 'close'; id: number; target: number }
  | { op: 'stats'; id: number; gc?: boolean };

export interface HostAnswer {
  id: number;
  ok: true;
  url?: string;
  target?: number;
  /** ms since the boot began at which each step ended */
  timing?: Record<string, number>;
  stats?: HostStats;
}

export type HostReply = { op: 'ready' } | HostAnswer | { id: number; ok: false; error: string };

export interface HostStats {
  boots: number;
  open: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** the host's CPU time so far (user + system), ms */
  cpuMs: number;
  /** what keeps the event loop alive (process.getActiveResourcesInfo()), e.g. TCPServerWrap, Timeout */
  resources: string[];
}

type Destination = ReturnType<typeof pino.destination>;

interface Running {
  app: FastifyInstance;
  stream: Destination;
}

const baseEnv: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env)) if (v !== undefined) baseEnv[k] = v;

const running = new Map<number, Running>();
/** The log files of the targets booting or running: what a target writes to stdout goes there. */
const logStreams = new Set<Destination>();

// A target process's stdout IS its log file: anything written there (a console.log) lands in the
// log the suites scan. The host cannot tell which target wrote it: it goes to every open log.
process.stdout.write = ((chunk: string | Uint8Array, encoding?: unknown, cb?: unknown) => {
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  for (const stream of logStreams) stream.write(text);
  const done = typeof encoding === 'function' ? encoding : cb;
  if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
  return true;
}) as typeof process.stdout.write;
let generation = 0;
let boots = 0;
/** Boots run one at a time: each owns process.env while it loads. */
let queue: Promise<unknown> = Promise.resolve();

/** process.env becomes exactly `next` (in place: it stays Node's env object); returns the undo. */
function swapEnv(next: Record<string, string>): () => void {
  const saved: Record<string, string | undefined> = { ...process.env };
  const set = (to: Record<string, string | undefined>) => {
    for (const k of Object.keys(process.env)) if (!(k in to)) delete process.env[k];
    for (const [k, v] of Object.entries(to)) if (v !== undefined) process.env[k] = v;
  };
  set(next);
  return () => set(saved);
}

async function closeApp(app: FastifyInstance): Promise<void> {
  // main.ts gives app.close() 3 s on SIGTERM, then exits: here the connections are cut instead
  const force = setTimeout(() => app.server.closeAllConnections(), 3000);
  try {
    await app.close();
  } finally {
    clearTimeout(force);
  }
}

function endStream(stream: Destination): void {
  logStreams.delete(stream);
  try {
    stream.flushSync();
  } catch {
    /* nothing buffered (sync) or already closed */
  }
  stream.end();
}

type Db = { close(): Promise<void> };

/**
 * A database opened ahead for the next boot, while the current target's tests run (most of a
 * boot is PGlite opening its data directory). It serves the next boot only if that boot would
 * open the very same one: the same db/index.ts, the same schema files, the same PGlite cache
 * setting; otherwise it is closed and the boot opens its own.
 */
let spare: { key: string; db: Promise<Db> } | null = null;

/** What decides the database a boot of `dir` opens: db/index.ts, its schema files, the cache switch. */
function dbKey(dir: string, env: Record<string, string>): string {
  const db = path.join(path.resolve(dir), 'src', 'db');
  const h = createHash('sha256');
  h.update(readFileSync(path.join(db, 'index.ts')));
  for (const f of readdirSync(path.join(db, 'schema')).sort()) {
    h.update(`\0${f}\0`);
    h.update(readFileSync(path.join(db, 'schema', f)));
  }
  h.update(`\0${env.CASERA_PGLITE_CACHE ?? ''}`);
  return h.digest('hex');
}

/** The spare database if it matches `key` (taken: the next boot gets a new one), else null. */
function takeSpare(key: string): Promise<Db> | null {
  const s = spare;
  spare = null;
  if (!s) return null;
  if (s.key === key) return s.db;
  void s.db.then((d) => d.close()).catch(() => undefined);
  return null;
}

async function boot(dir: string, env: Record<string, string>, logFile: string) {
  const n = ++generation;
  boots++;
  const src = pathToFileURL(path.join(path.resolve(dir), 'src')).href;
  const q = `?casera-gen=${n}`;
  const restoreEnv = swapEnv({
    ...baseEnv,
    ...env,
    PORT: env.PORT ?? '0',
    HOST: env.HOST ?? '127.0.0.1',
  });
  const stream = pino.destination({ dest: logFile, append: true, sync: true, mkdir: true });
  logStreams.add(stream);
  let app: FastifyInstance | undefined;
  let db: Promise<{ close(): Promise<void> }> | undefined;
  const t0 = performance.now();
  const at: Record<string, number> = {};
  try {
    // the order of main.ts: config, the database opening while the app's modules load
    const { loadConfig } = (await import(
      `${src}/config.ts${q}`
    )) as typeof import('../../fixtures/reference-api/src/config.ts');
    const { openDb } = (await import(
      `${src}/db/index.ts${q}`
    )) as typeof import('../../fixtures/reference-api/src/db/index.ts');
    const config = loadConfig();
    at.importConfigDb = performance.now() - t0;
    const key = dbKey(dir, env);
    const ahead = takeSpare(key);
    at.spareUsed = ahead ? 1 : 0;
    db = (ahead ?? openDb()) as Promise<Db>;
    void db.then(() => (at.dbOpen = performance.now() - t0));
    db.catch(() => undefined); // awaited below
    const { buildApp } = (await import(
      `${src}/app.ts${q}`
    )) as typeof import('../../fixtures/reference-api/src/app.ts');
    at.importApp = performance.now() - t0;
    app = await buildApp(config, {
      db: db as ReturnType<typeof openDb>,
      logStream: stream,
    });
    const log = app.log;
    const opened = db.then(
      () => null,
      (err: unknown) => {
        log.fatal(
          {
            err: {
              type: (err as Error)?.name,
              message: String((err as Error)?.message ?? err),
            },
          },
          'database failed to open',
        );
        return err as Error;
      },
    );
    await app.listen({ port: config.port, host: config.host });
    at.listening = performance.now() - t0;
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${host}:${port}`;
    app.log.info({ url }, 'listening');
    const failed = await opened; // the process would exit here (main.ts); a boot fails
    if (failed) throw failed;
    running.set(n, { app, stream });
    at.ready = performance.now() - t0;
    // the next boot's database opens now, in this boot's environment (openDb reads it at call)
    spare = { key, db: openDb() as Promise<Db> };
    spare.db.catch(() => undefined); // a failed spare: the next boot opens its own
    return { url, target: n, timing: at };
  } catch (err) {
    if (app) await closeApp(app).catch(() => undefined);
    else if (db) await db.then((d: Db) => d.close()).catch(() => undefined);
    endStream(stream);
    throw err;
  } finally {
    restoreEnv();
  }
}

async function close(target: number): Promise<void> {
  const t = running.get(target);
  if (!t) return;
  running.delete(target);
  try {
    await closeApp(t.app);
  } finally {
    endStream(t.stream);
  }
}

function stats(gc: boolean): HostStats {
  if (gc) (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    boots,
    open: running.size,
    rss: m.rss,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    cpuMs: (cpu.user + cpu.system) / 1000,
    resources: process.getActiveResourcesInfo(),
  };
}

const send = (reply: HostReply): void => {
  process.send?.(reply);
};

process.on('message', (msg: HostRequest) => {
  const fail = (err: unknown) =>
    send({
      id: msg.id,
      ok: false,
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
  if (msg.op === 'boot') {
    const run = queue.then(() => boot(msg.dir, msg.env, msg.logFile));
    queue = run.catch(() => undefined);
    run.then((r) => send({ id: msg.id, ok: true, ...r }), fail);
  } else if (msg.op === 'close') {
    close(msg.target).then(() => send({ id: msg.id, ok: true }), fail);
  } else if (msg.op === 'stats') {
    send({ id: msg.id, ok: true, stats: stats(msg.gc ?? false) });
  }
});

process.on('disconnect', () => {
  void Promise.allSettled([...running.keys()].map(close)).then(() => process.exit(0));
  setTimeout(() => process.exit(0), 5000).unref();
});

// The dependencies every boot needs, loaded while the host waits for its first boot.
await Promise.all([
  import('fastify'),
  import('@fastify/multipart'),
  import('luxon'),
  import('ajv'),
  import('@electric-sql/pglite'),
]);
send({ op: 'ready' });
