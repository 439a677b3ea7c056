/**
 * The target host (unit project): each boot runs the files of its folder as they are at the boot
 * (a fault patched into a reused slot is the code that runs), with its own environment, writes
 * main.ts's log lines to its log file, and leaves nothing listening once closed; a host that dies
 * or hangs fails one boot, never the next.
 */
import { randomUUID } from 'node:crypto';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../../fixtures/reference-api/start.ts';
import { REFERENCE_DIR, WORK_DIR } from './apply-fault.ts';
import { TargetHost } from './hosted-target.ts';

const STATIC = 'src/routes/static.ts';
const CACHE_LINE = `reply.header('Cache-Control', 'no-cache');`;

let dir: string;
let host: TargetHost;

beforeAll(async () => {
  // inside the package, as the runner's slots are (the copy resolves the package's node_modules)
  dir = path.join(WORK_DIR, `host-test-${randomUUID().slice(0, 8)}`);
  await cp(REFERENCE_DIR, dir, { recursive: true });
  host = await TargetHost.start();
});

afterAll(async () => {
  await host?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function get(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(`${url}/api/static_data/`, { method, headers });
  await res.arrayBuffer();
  return res;
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** The log lines without what differs from run to run (time, pid, port, ids, durations). */
async function logShape(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const o = JSON.parse(line) as Record<string, unknown>;
      for (const k of ['time', 'pid', 'hostname', 'url', 'duration_ms']) if (k in o) o[k] = '*';
      if (typeof o.msg === 'string') o.msg = o.msg.replace(/:\d+$/, ':*');
      return JSON.stringify(
        Object.keys(o)
          .sort()
          .map((k) => [k, o[k]]),
      );
    });
}

describe('the target host', () => {
  it('boots a fresh module graph each time: a file patched between boots is the one that runs', async () => {
    const before = await host.boot({ dir });
    const source = await readFile(path.join(dir, STATIC), 'utf8');
    await writeFile(
      path.join(dir, STATIC),
      source.replace(CACHE_LINE, `reply.header('Cache-Control', 'no-store');`),
    );
    try {
      const after = await host.boot({ dir });
      expect(after.pid).toBe(before.pid); // the same host
      expect((await get(after.url)).headers.get('cache-control')).toBe('no-store');
      // the first target keeps the code it booted with
      expect((await get(before.url)).headers.get('cache-control')).toBe('no-cache');
      await Promise.all([before.close(), after.close()]);
    } finally {
      await writeFile(path.join(dir, STATIC), source);
    }
    const again = await host.boot({ dir });
    expect((await get(again.url)).headers.get('cache-control')).toBe('no-cache');
    await again.close();
  });

  it("opens the next boot's database ahead, and never serves it to a boot whose schema changed", async () => {
    const first = await host.boot({ dir });
    const second = await host.boot({ dir });
    expect(second.timing?.spareUsed, 'the same folder: the database opened ahead').toBe(1);
    const schema = path.join(dir, 'src/db/schema/020_tasks.sql');
    const sql = await readFile(schema, 'utf8');
    await writeFile(schema, sql + '\n-- a fault planted in the schema\n');
    try {
      const third = await host.boot({ dir });
      expect(third.timing?.spareUsed, 'a changed schema: a database of its own').toBe(0);
      await third.close();
    } finally {
      await writeFile(schema, sql);
    }
    await Promise.all([first.close(), second.close()]);
  });

  it('gives each boot its own environment, over the host env', async () => {
    const latitude = await host.boot({ dir, env: { CASERA_LATITUDE: 'on' } });
    const plain = await host.boot({ dir });
    // CASERA_LATITUDE=on serves OPTIONS (204); the default answers 405
    expect((await get(latitude.url, {}, 'OPTIONS')).status).toBe(204);
    expect((await get(plain.url, {}, 'OPTIONS')).status).toBe(405);
    await Promise.all([latitude.close(), plain.close()]);
  });

  it('writes the log lines a target process writes, for the same requests', async () => {
    const run = async (
      boot: (logFile: string) => Promise<{ url: string; close(): Promise<void> }>,
    ) => {
      const logFile = path.join(dir, `log-${randomUUID().slice(0, 8)}.log`);
      const t = await boot(logFile);
      await get(t.url, { 'X-Request-ID': 'host-test-1' });
      await get(t.url, { 'X-Request-ID': 'host-test-2' }, 'OPTIONS');
      await t.close();
      return logShape(logFile);
    };
    const hosted = await run((logFile) => host.boot({ dir, logFile }));
    const processed = await run((logFile) => start({ dir, logFile }));
    expect(hosted.some((l) => l.includes('"listening"'))).toBe(true);
    expect(hosted.some((l) => l.includes('"host-test-2"'))).toBe(true);
    expect(hosted).toEqual(processed);
  });

  it("puts what a target writes to stdout in its log file, as a target process's stdout is", async () => {
    const source = await readFile(path.join(dir, STATIC), 'utf8');
    await writeFile(
      path.join(dir, STATIC),
      source.replace(CACHE_LINE, `${CACHE_LINE}\n    console.log('stdout-line-' + req.id);`),
    );
    const logFile = path.join(dir, `log-${randomUUID().slice(0, 8)}.log`);
    try {
      const t = await host.boot({ dir, logFile });
      await get(t.url, { 'X-Request-ID': 'host-test-stdout' });
      await t.close();
    } finally {
      await writeFile(path.join(dir, STATIC), source);
    }
    expect(await readFile(logFile, 'utf8')).toContain('stdout-line-host-test-stdout\n');
  });

  it('frees the port on close and leaves no server, socket or timer behind', async () => {
    // idle: no fs request in flight (the database opened ahead for the next boot reads its file)
    const quiet = async () => (await host.stats()).resources.sort();
    await expect
      .poll(async () => (await quiet()).filter((r) => r.startsWith('FSReq')), { timeout: 10_000 })
      .toEqual([]);
    const idle = await quiet();
    const t = await host.boot({ dir });
    await get(t.url);
    expect((await host.stats()).resources).toContain('TCPServerWrap');
    const port = Number(new URL(t.url).port);
    expect(await portFree(port)).toBe(false);
    await t.close();
    expect(await portFree(port)).toBe(true);
    await expect(fetch(`${t.url}/api/static_data/`)).rejects.toThrow();
    // (the log file's close is an fs request that may still be in flight a moment)
    await expect
      .poll(async () => (await host.stats()).resources.sort(), { timeout: 5000 })
      .toEqual(idle);
  });

  it('starts a new host at the next boot after one died or did not answer', async () => {
    const first = await host.boot({ dir });
    process.kill(first.pid, 'SIGKILL');
    await first.close(); // nothing left to close: resolves
    await expect.poll(() => alive(first.pid), { timeout: 10_000 }).toBe(false);
    const second = await host.boot({ dir });
    expect(second.pid).not.toBe(first.pid);
    expect((await get(second.url)).status).toBe(200);
    await second.close();

    await expect(host.boot({ dir, timeoutMs: 1 })).rejects.toThrow(/did not answer/);
    const third = await host.boot({ dir });
    expect(third.pid).not.toBe(second.pid);
    expect((await get(third.url)).status).toBe(200);
    await third.close();
  });

  it('replaces a host whose event loop hangs (a target stuck in a loop)', async () => {
    const hung = path.join(WORK_DIR, `host-test-hang-${randomUUID().slice(0, 8)}`);
    await cp(REFERENCE_DIR, hung, { recursive: true });
    const source = await readFile(path.join(hung, STATIC), 'utf8');
    await writeFile(
      path.join(hung, STATIC),
      source.replace(CACHE_LINE, `${CACHE_LINE}\n    if (req.headers['x-hang']) for (;;);`),
    );
    const small = await TargetHost.start({ pingTimeoutMs: 1000 });
    try {
      const stuck = await small.boot({ dir: hung });
      fetch(`${stuck.url}/api/static_data/`, { headers: { 'x-hang': '1' } }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
      const next = await small.boot({ dir });
      expect(next.pid).not.toBe(stuck.pid);
      await expect.poll(() => alive(stuck.pid), { timeout: 10_000 }).toBe(false);
      expect((await get(next.url)).status).toBe(200);
      await Promise.all([stuck.close(), next.close()]);
    } finally {
      await small.stop();
      await rm(hung, { recursive: true, force: true });
    }
  });

  it('recycles the host after recycleAfter boots, once its last target is closed', async () => {
    const small = await TargetHost.start({ recycleAfter: 1 });
    try {
      const a = await small.boot({ dir });
      const b = await small.boot({ dir });
      expect(b.pid).not.toBe(a.pid);
      expect((await get(a.url)).status).toBe(200); // the old host still serves its target
      await a.close();
      await expect.poll(() => alive(a.pid), { timeout: 10_000 }).toBe(false);
      await b.close();
    } finally {
      await small.stop();
    }
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
