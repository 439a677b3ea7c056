/**
 * npm run spot-check [-- --faults a,b] [--ci] [--jobs N] [--projects p,q] [--no-baseline] [--no-confirm] [--list]
 * npm run spot-check -- --manifest external.json      (a real API: apply/revert/restart commands)
 *
 * Plants each fault of the catalog in a copy of the reference target, boots it, runs the suites against it
 * with bail, and prints a kill table (also reports/spot-check.md and .json). Exits 1 when a fault survives.
 */
import { execSync } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SHORT_WINDOW_PROJECTS, shortWindowsEnv } from '../../fixtures/harness/short-windows.ts';
import { start } from '../../fixtures/reference-api/start.ts';
import { prepareFaultyCopy, REFERENCE_DIR, WORK_DIR } from './apply-fault.ts';
import { FAULTS } from './catalog.ts';
import type { ExternalManifest, Fault } from './fault.ts';
import { SUITE_PROJECTS } from './fault.ts';
import { renderTerminal, writeReports, type KillRow } from './kill-table.ts';
import { runSuites } from './run-suites.ts';

const REPORTS = path.resolve(import.meta.dirname, '../../reports');

const { values: args } = parseArgs({
  options: {
    faults: { type: 'string' },
    ci: { type: 'boolean', default: false },
    jobs: { type: 'string' },
    projects: { type: 'string' },
    'no-baseline': { type: 'boolean', default: false },
    'no-confirm': { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    manifest: { type: 'string' },
    timeout: { type: 'string', default: '300' },
  },
});
const timeoutSeconds = Number(args.timeout);
const projectOverride = args.projects?.split(',').filter(Boolean);

/** The environment every suite run under the spot-checker gets: no shared reports, no rule gate. */
function suiteEnv(workDir: string): Record<string, string> {
  return {
    CASERA_RULE_GATE: 'off',
    CASERA_REPORTS_DIR: path.join(workDir, 'reports'),
    CASERA_SPOT_CHECK: '1',
  };
}

interface Booted {
  /** What the suites need to address the target(s). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Boots a copy of the target (`dir`) for the suites, plus – when a selected project has tests
 * that address the short-window target (authz/expiry, lifecycle/idempotency) – a second copy of
 * the SAME code started with windows of seconds, so expiry bugs are observable within the run
 * (the suites skip those tests when CASERA_API_URL is set without CASERA_SHORT_WINDOWS_URL).
 */
async function bootTargets(
  dir: string,
  workDir: string,
  projects: string[],
  faultEnv: Record<string, string> = {},
): Promise<Booted> {
  const logFile = path.join(workDir, 'target.log');
  const wantsShort = projects.some((p) => SHORT_WINDOW_PROJECTS.includes(p));
  const [main, short] = await Promise.allSettled([
    start({ dir, logFile, env: faultEnv }),
    wantsShort
      ? start({
          dir,
          logFile: path.join(workDir, 'target-short.log'),
          env: { ...faultEnv, ...shortWindowsEnv() },
        })
      : Promise.resolve(null),
  ]);
  if (main.status === 'rejected' || short.status === 'rejected') {
    if (main.status === 'fulfilled') await main.value.close();
    if (short.status === 'fulfilled') await short.value?.close();
    const err = (
      main.status === 'rejected' ? main.reason : (short as PromiseRejectedResult).reason
    ) as Error;
    throw err;
  }
  return {
    env: {
      ...faultEnv,
      CASERA_API_URL: main.value.url,
      CASERA_SPEC: path.join(dir, 'docs/openapi.yaml'),
      CASERA_LOG_FILE: logFile,
      ...(short.value ? { CASERA_SHORT_WINDOWS_URL: short.value.url } : {}),
    },
    close: async () => {
      await Promise.all([main.value.close(), short.value?.close()]);
    },
  };
}

async function runEmbedded(fault: Fault | null): Promise<KillRow> {
  const id = fault?.id ?? 'baseline';
  const started = Date.now();
  const workDir = path.join(WORK_DIR, `${id}-run`);
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true }); // start() appends the target log there
  const row = (
    verdict: KillRow['verdict'],
    first: string | null,
    detail: string | null,
  ): KillRow => ({
    fault: id,
    area: fault?.area ?? '-',
    description: fault?.description ?? 'the unpatched reference target',
    verdict,
    firstFailingTest: first,
    seconds: (Date.now() - started) / 1000,
    detail,
  });
  let dir = REFERENCE_DIR;
  try {
    if (fault) dir = await prepareFaultyCopy(fault);
  } catch (err) {
    return row('error', null, (err as Error).message);
  }
  const projects = projectOverride ?? fault?.projects ?? SUITE_PROJECTS;
  let targets: Booted;
  try {
    targets = await bootTargets(dir, workDir, projects, fault?.env);
  } catch (err) {
    return row(
      'error',
      null,
      `the faulty target did not start: ${(err as Error).message.slice(0, 300)}`,
    );
  }
  try {
    const outcome = await runSuites({
      projects,
      workDir,
      timeoutSeconds,
      env: { ...suiteEnv(workDir), ...targets.env },
    });
    if (outcome.failed) {
      const seconds = (Date.now() - started) / 1000; // time to kill, without the confirmation
      const suspect = fault ? await alsoFailsUnpatched(fault, outcome.firstFailure) : null;
      if (suspect) return { ...row('error', outcome.firstFailure, suspect), seconds };
      return { ...row('killed', outcome.firstFailure, outcome.failureMessage), seconds };
    }
    return row(outcome.infraError ? 'error' : 'survived', null, outcome.infraError);
  } finally {
    await targets.close();
  }
}

/**
 * A kill counts only if the test file that failed passes on the unpatched target: the suites change
 * while the catalog runs (a new test failing on the reference would otherwise "kill" every fault).
 * Returns why the kill is not credible, or null. Skipped with --no-confirm.
 */
async function alsoFailsUnpatched(
  fault: Fault,
  firstFailure: string | null,
): Promise<string | null> {
  if (args['no-confirm'] || !firstFailure) return null;
  const file = firstFailure.split(' > ')[0].replace(/ \(file setup\)$/, '');
  const workDir = path.join(WORK_DIR, `${fault.id}-confirm`);
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  const projects = projectOverride ?? fault.projects ?? SUITE_PROJECTS;
  let targets: Booted;
  try {
    targets = await bootTargets(REFERENCE_DIR, workDir, projects, fault.env);
  } catch (err) {
    return `the unpatched target did not start for the confirmation: ${(err as Error).message.slice(0, 200)}`;
  }
  try {
    const outcome = await runSuites({
      projects,
      files: [file],
      workDir,
      timeoutSeconds,
      env: { ...suiteEnv(workDir), ...targets.env },
    });
    if (outcome.failed) {
      return `not a kill: ${file} also fails on the unpatched target (${outcome.firstFailure}): fix the suite or the target first`;
    }
    return null;
  } finally {
    await targets.close();
  }
}

function sh(command: string): void {
  execSync(command, { stdio: 'inherit', shell: '/bin/sh' });
}

async function waitHealthy(url: string, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer within ${seconds} s`);
}

async function runExternal(manifestPath: string): Promise<KillRow[]> {
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ExternalManifest;
  const only = args.faults?.split(',');
  const faults = manifest.faults.filter((f) => !only || only.includes(f.id));
  const health = manifest.target.healthTimeoutSeconds ?? 60;
  const rows: KillRow[] = [];
  for (const fault of faults) {
    const started = Date.now();
    const workDir = path.join(WORK_DIR, `${fault.id}-run`);
    const base = { fault: fault.id, area: 'external', description: fault.description };
    try {
      sh(fault.apply);
      sh(manifest.target.restart);
      await waitHealthy(manifest.target.health, health);
      const outcome = await runSuites({
        projects: projectOverride ?? fault.projects ?? SUITE_PROJECTS,
        workDir,
        timeoutSeconds,
        env: {
          ...suiteEnv(workDir),
          CASERA_API_URL: manifest.target.url,
          CASERA_SPEC: path.resolve(manifest.target.spec), // relative to the folder the runner starts in
          ...(manifest.target.logCmd ? { CASERA_LOG_CMD: manifest.target.logCmd } : {}),
        },
      });
      rows.push({
        ...base,
        verdict: outcome.failed ? 'killed' : outcome.infraError ? 'error' : 'survived',
        firstFailingTest: outcome.firstFailure,
        seconds: (Date.now() - started) / 1000,
        detail: outcome.failed ? outcome.failureMessage : outcome.infraError,
      });
    } catch (err) {
      rows.push({
        ...base,
        verdict: 'error',
        firstFailingTest: null,
        seconds: 0,
        detail: (err as Error).message,
      });
    } finally {
      sh(fault.revert);
      sh(manifest.target.restart);
      await waitHealthy(manifest.target.health, health);
    }
  }
  return rows;
}

async function pool<T, R>(items: T[], jobs: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(jobs, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]);
        const r = results[i] as unknown as KillRow;
        if (r && typeof r === 'object' && 'verdict' in r) {
          console.log(
            `[spot-check] ${r.fault}: ${r.verdict}${r.firstFailingTest ? ` by ${r.firstFailingTest}` : r.detail ? ` (${r.detail.slice(0, 160)})` : ''} after ${r.seconds.toFixed(1)} s`,
          );
        }
      }
    }),
  );
  return results;
}

function selectFaults(): Fault[] {
  const only = args.faults?.split(',').filter(Boolean);
  if (only) {
    const unknown = only.filter((id) => !FAULTS.some((f) => f.id === id));
    if (unknown.length) {
      console.error(`[spot-check] unknown fault(s): ${unknown.join(', ')} (see --list)`);
      process.exit(2);
    }
    return FAULTS.filter((f) => only.includes(f.id));
  }
  return args.ci ? FAULTS.filter((f) => f.ci) : FAULTS;
}

async function main(): Promise<void> {
  if (args.list) {
    for (const f of FAULTS)
      console.log(
        `${f.id.padEnd(36)} ${f.area.padEnd(10)} ${f.ci ? 'ci ' : '   '} ${f.description}`,
      );
    return;
  }
  let rows: KillRow[];
  if (args.manifest) {
    rows = await runExternal(path.resolve(args.manifest));
  } else {
    const faults = selectFaults();
    const jobs = Number(args.jobs ?? Math.max(1, Math.min(2, os.availableParallelism())));
    console.log(`[spot-check] ${faults.length} fault(s), ${jobs} at a time`);
    if (!args['no-baseline'] && !args.ci) {
      const baseline = await runEmbedded(null);
      if (baseline.verdict !== 'survived') {
        console.error(
          `[spot-check] the suites do not pass on the unpatched target (${baseline.firstFailingTest ?? baseline.detail}); a kill would mean nothing. Fix that first.`,
        );
        process.exit(2);
      }
      console.log(`[spot-check] baseline green in ${baseline.seconds.toFixed(1)} s`);
    }
    rows = await pool(faults, jobs, runEmbedded);
  }
  console.log('\n' + renderTerminal(rows));
  await writeReports(REPORTS, rows);
  console.log(`\n[spot-check] reports/spot-check.md and reports/spot-check.json written`);
  const bad = rows.filter((r) => r.verdict !== 'killed');
  if (bad.length) {
    console.error(
      `[spot-check] ${bad.length} fault(s) not killed: ${bad.map((r) => `${r.fault} (${r.verdict})`).join(', ')}`,
    );
    process.exitCode = 1;
  }
}

await main();
