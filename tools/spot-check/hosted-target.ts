/**
 * The parent side of the target host (target-host.ts): one long-lived process per job slot boots
 * copies of the reference target in-process, a fraction of a process boot (start() of
 * fixtures/reference-api/start.ts pays node, tsx, the dependencies and PGlite's compile each time).
 *
 *   const host = await TargetHost.start();
 *   const t = await host.boot({ dir, env, logFile });   // { url, logFile, pid, close() }: a StartedTarget
 *   await t.close();
 *   await host.stop();
 *
 * A host that crashes, or a boot that does not answer within its timeout (the host is killed),
 * fails that boot only: the next boot starts a new host. Each boot first pings its host: one that
 * does not answer within pingTimeoutMs (a target's request stuck in a loop) is killed and replaced. After `recycleAfter` boots the next boot
 * starts a new host too (each boot's module graph stays in the host's module map); the old host
 * exits once its last target is closed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { StartedTarget } from '../../fixtures/reference-api/start.ts';
import type { HostAnswer, HostReply, HostRequest, HostStats } from './target-host.ts';

export type { HostStats };

const ENTRY = fileURLToPath(new URL('./target-host.ts', import.meta.url));
const REFERENCE = fileURLToPath(new URL('../../fixtures/reference-api/', import.meta.url));

export interface HostOptions {
  /** boots per host before the next boot starts a new one; default 40 */
  recycleAfter?: number;
  /** ms a host may take to answer before a boot; one that does not is killed; default 10000 */
  pingTimeoutMs?: number;
  /** extra node flags for the host (e.g. --expose-gc for a measurement) */
  execArgv?: string[];
  /** the host's base environment; default process.env */
  env?: Record<string, string | undefined>;
}

/** The options of start() (fixtures/reference-api/start.ts), so a caller can use either. */
export interface HostBootOptions {
  /** the target's folder (holding src/); default fixtures/reference-api */
  dir?: string;
  /** default 0: a free port */
  port?: number;
  /** environment for this boot (the fault's, the short windows), over the host's */
  env?: Record<string, string>;
  /** file the target's JSON log lines are appended to; default a new temp file */
  logFile?: string;
  /** ms to wait for the target to listen with its database open; default 15000 */
  timeoutMs?: number;
}

export interface HostedTarget extends StartedTarget {
  /** ms since the boot began at which each step ended (in the host) */
  timing?: Record<string, number>;
}

function tsxLoader(): string {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  } catch {
    return 'tsx';
  }
}

/** A request without its id (the host process numbers them). */
type Request = HostRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

type Pending = { resolve: (r: HostAnswer) => void; reject: (e: Error) => void };

/** One host process. */
class HostProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  boots = 0;
  open = 0;
  retired = false;
  private killed = false;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private stderr = '';

  constructor(opts: HostOptions) {
    this.child = fork(ENTRY, [], {
      execArgv: ['--import', tsxLoader(), ...(opts.execArgv ?? [])],
      env: opts.env ?? process.env,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-16 * 1024);
    });
    this.ready = new Promise<void>((resolve, reject) => {
      this.child.on('message', (msg: HostReply) => {
        if ('op' in msg) {
          if (msg.op === 'ready') resolve();
          return;
        }
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.ok) p.resolve(msg);
        else p.reject(new Error(msg.error));
      });
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.exited) return;
        this.exited = { code, signal };
        const err = new Error(
          `the target host exited (code ${code}, signal ${signal})${this.stderr ? `:\n${this.stderr}` : ''}`,
        );
        reject(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      };
      this.child.once('exit', onExit);
      this.child.once('error', (err) => {
        this.stderr += String(err);
        onExit(null, null);
      });
    });
    this.ready.catch(() => undefined);
  }

  /** Exited, killed or cut off: no request reaches it any more. */
  get dead(): boolean {
    return this.exited !== null || this.killed || !this.child.connected;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  request(msg: Request, timeoutMs: number): Promise<HostAnswer> {
    if (this.dead) {
      return Promise.reject(new Error('the target host has exited'));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new Error(
            `the target host did not answer ${String(msg.op)} within ${timeoutMs} ms (host killed)${this.stderr ? `:\n${this.stderr}` : ''}`,
          ),
        );
        this.kill();
      }, timeoutMs);
      const done =
        <T>(fn: (v: T) => void) =>
        (v: T) => {
          clearTimeout(timer);
          fn(v);
        };
      this.pending.set(id, { resolve: done(resolve), reject: done(reject) });
      this.child.send({ ...msg, id }, (err) => {
        if (err && this.pending.delete(id)) done(reject)(err);
      });
    });
  }

  /** Ends the host (its targets with it); resolves once it has exited. */
  kill(): Promise<void> {
    this.killed = true;
    if (this.exited) return Promise.resolve();
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGKILL');
    return gone;
  }

  /** Asks the host to close its targets and exit; killed after 5 s. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    if (this.child.connected) this.child.disconnect();
    else this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}

export class TargetHost {
  private current: HostProcess | null = null;
  private readonly all = new Set<HostProcess>();
  private stopped = false;

  private constructor(private readonly opts: HostOptions) {}

  /** Starts a host and waits until it has loaded the dependencies. */
  static async start(opts: HostOptions = {}): Promise<TargetHost> {
    const host = new TargetHost(opts);
    await host.process();
    return host;
  }

  /** The host of the next boot: a new one after a crash, a kill or `recycleAfter` boots. */
  private async process(): Promise<HostProcess> {
    const recycleAfter = this.opts.recycleAfter ?? 40;
    const cur = this.current;
    if (cur && !cur.dead && cur.boots < recycleAfter) {
      try {
        await cur.ready;
        // a host whose event loop hangs (a target stuck in a loop) is killed by the timeout
        await cur.request({ op: 'stats' }, this.opts.pingTimeoutMs ?? 10_000);
        return cur;
      } catch {
        return this.process(); // it is dead now: a new one
      }
    }
    if (cur) this.retire(cur);
    const next = new HostProcess(this.opts);
    this.all.add(next);
    next.child.once('exit', () => this.all.delete(next));
    this.current = next;
    await next.ready;
    return next;
  }

  private retire(p: HostProcess): void {
    p.retired = true;
    if (p.open === 0) void p.stop();
  }

  /** Boots a copy of the target in the host: resolves once it listens with its database open. */
  async boot(opts: HostBootOptions = {}): Promise<HostedTarget> {
    if (this.stopped) throw new Error('the target host was stopped');
    const timeoutMs = opts.timeoutMs ?? 15_000;
    const logFile =
      opts.logFile ?? path.join(mkdtempSync(path.join(tmpdir(), 'casera-ref-')), 'target.log');
    const p = await this.process();
    p.boots++;
    p.open++;
    let reply: HostAnswer;
    try {
      reply = await p.request(
        {
          op: 'boot',
          dir: path.resolve(opts.dir ?? REFERENCE),
          env: {
            ...opts.env,
            ...(opts.port !== undefined ? { PORT: String(opts.port) } : {}),
          },
          logFile,
        },
        timeoutMs,
      );
    } catch (err) {
      this.released(p);
      throw err;
    }
    let closed: Promise<void> | null = null;
    return {
      url: reply.url!,
      timing: reply.timing,
      logFile,
      pid: p.pid,
      close: () => {
        closed ??= (async () => {
          try {
            if (!p.dead) await p.request({ op: 'close', target: reply.target! }, 10_000);
          } catch {
            /* the host died or was killed meanwhile: nothing of the target is left */
          } finally {
            this.released(p);
          }
        })();
        return closed;
      },
    };
  }

  private released(p: HostProcess): void {
    p.open--;
    if (p.retired && p.open === 0) void p.stop();
  }

  /** The current host's memory and CPU (starts one if there is none). */
  async stats(gc = false): Promise<HostStats & { pid: number }> {
    const p = await this.process();
    const r = await p.request({ op: 'stats', gc }, 10_000);
    return { ...r.stats!, pid: p.pid };
  }

  /** Closes every target and ends every host process. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.current = null;
    await Promise.all([...this.all].map((p) => p.stop()));
  }
}
