import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FailureLine } from './failure-reporter.ts';
import { PROFILING } from './profile.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
const REPORTER = path.join(import.meta.dirname, 'failure-reporter.ts');
/** Where a run waiting for its target points until the target is up: the discard port, closed. */
export const PENDING_URL = 'http://127.0.0.1:9';
const RULE_COVERAGE_REPORTER = path.join(ROOT, 'fixtures/harness/run/rule-coverage-reporter.ts');

export interface SuiteOutcome {
  /** Some test failed: the fault was noticed. */
  failed: boolean;
  /** The first failing test, as `file > describe > test`, or the file-level error. */
  firstFailure: string | null;
  /** Every failure seen (only more than one when the run does not bail). */
  failures?: string[];
  failureMessage: string | null;
  testsRun: number;
  exitCode: number;
  /** vitest could not run at all (no test result). */
  infraError: string | null;
  /** When vitest was spawned and when it exited (epoch ms), and its profile marks (CASERA_SPOT_PROFILE=1). */
  timing?: { spawnedAt: number; exitedAt: number; marksFile: string };
}

interface JsonAssertion {
  fullName: string;
  status: string;
  failureMessages?: string[];
}
interface JsonFileResult {
  name: string;
  status: string;
  message?: string;
  assertionResults: JsonAssertion[];
}

/** Ends a child started with `detached: true` and everything it started (its process group). */
export function killProcessGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** The failures failure-reporter.ts wrote, in the order they happened, as `file > full name`. */
export async function readFailures(
  failuresFile: string,
): Promise<{ lines: string[]; failures: string[] }> {
  const lines = (await readFile(failuresFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const failures = lines.map((l) => {
    const f = JSON.parse(l) as FailureLine;
    return `${path.relative(ROOT, f.module)} > ${f.fullName}`;
  });
  return { lines, failures };
}

/** What a run of the suites needs (runSuites spawns a vitest for it; WarmSuites reuses one). */
export type SuiteRunOptions = Parameters<typeof runSuites>[0];

/** Runs the given vitest projects against an already running target, stopping at the first failure (failure-reporter.ts cancels the run). */
export async function runSuites(opts: {
  projects: string[];
  env: Record<string, string>;
  workDir: string;
  timeoutSeconds: number;
  /** Only these test files (paths relative to the package root). */
  files?: string[];
  /** vitest -t: only the tests whose full name matches. */
  testNamePattern?: string | null;
  /** Also write the rule coverage report (into the env's CASERA_REPORTS_DIR). */
  ruleCoverage?: boolean;
  /** Stop at the first failure (default true). */
  bail?: boolean;
  /**
   * The target is still booting: vitest starts now (its start and config load overlap the boot)
   * and waits, before its global setup, for the environment this promise gives (the target's
   * URLs); see failure-reporter.ts. When it rejects, vitest is stopped (an infraError).
   */
  ready?: Promise<Record<string, string>>;
}): Promise<SuiteOutcome> {
  await mkdir(opts.workDir, { recursive: true });
  const outFile = path.join(opts.workDir, 'vitest.json');
  const failuresFile = path.join(opts.workDir, 'failures.jsonl');
  await rm(failuresFile, { force: true });
  const args = [
    VITEST,
    'run',
    '--reporter=json',
    `--reporter=${REPORTER}`,
    `--outputFile.json=${outFile}`,
  ];
  if (opts.ruleCoverage) args.push(`--reporter=${RULE_COVERAGE_REPORTER}`);
  for (const p of opts.projects) args.push(`--project=${p}`);
  if (opts.testNamePattern) args.push(`--testNamePattern=${opts.testNamePattern}`);
  args.push(...(opts.files ?? []));
  const readyFile = path.join(opts.workDir, 'ready.json');
  await rm(readyFile, { force: true });
  const marksFile = path.join(opts.workDir, 'profile.jsonl');
  if (PROFILING) await rm(marksFile, { force: true });
  const spawnedAt = Date.now();
  // Its own process group, so a timeout also ends vitest's worker processes (not only vitest).
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      ...opts.env,
      CASERA_SPOT_CHECK_FAILURES: failuresFile,
      CASERA_SPOT_CHECK_BAIL: opts.bail === false ? '0' : '1',
      ...(PROFILING ? { CASERA_SPOT_PROFILE_FILE: marksFile } : {}),
      ...(opts.ready
        ? {
            CASERA_SPOT_CHECK_READY: readyFile,
            // the reporter replaces it before the global setup reads it; were it ever read
            // earlier, the run fails loudly (nothing listens on the discard port) instead of
            // booting an unpatched target of its own
            CASERA_API_URL: PENDING_URL,
          }
        : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  const killGroup = (): void => killProcessGroup(child);
  process.once('exit', killGroup);
  let notReady: string | null = null;
  opts.ready?.then(
    async (env) => {
      const tmp = `${readyFile}.tmp`;
      await writeFile(tmp, JSON.stringify({ env }));
      await rename(tmp, readyFile);
    },
    async (err: unknown) => {
      notReady = `the target did not start: ${String((err as Error)?.message ?? err).slice(0, 300)}`;
      killGroup();
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, opts.timeoutSeconds * 1000);
  const exitCode: number = await new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 124 : 1))),
  );
  const timing = { spawnedAt, exitedAt: Date.now(), marksFile };
  clearTimeout(timer);
  process.removeListener('exit', killGroup);
  if (timedOut) killGroup(); // workers that outlived vitest
  /** vitest could not tell: no test result, only why. */
  const infra = (infraError: string): SuiteOutcome & { timing: typeof timing } => ({
    timing,
    failed: false,
    firstFailure: null,
    failureMessage: null,
    testsRun: 0,
    exitCode,
    infraError,
  });
  if (notReady) return infra(notReady);
  if (timedOut) {
    return infra(
      `vitest timed out after ${opts.timeoutSeconds} s (--timeout): no test had failed by then`,
    );
  }

  // The first failure in time, written the moment it happened (the JSON report can miss it on bail).
  const { lines, failures } = await readFailures(failuresFile);
  const firstLine = lines[0];
  let json: { numTotalTests?: number; testResults?: JsonFileResult[] } = {};
  const jsonRead = await readFile(outFile, 'utf8')
    .then((t) => {
      json = JSON.parse(t);
      return true;
    })
    .catch(() => false);
  if (firstLine) {
    const f = JSON.parse(firstLine) as FailureLine;
    const rel = path.relative(ROOT, f.module);
    const fromJson = (json.testResults ?? []).find((r) => path.relative(ROOT, r.name) === rel);
    return {
      timing,
      failed: true,
      firstFailure: `${rel} > ${f.fullName}`,
      failures,
      failureMessage: (f.message || fromJson?.message || '').slice(0, 2000),
      testsRun: json.numTotalTests ?? 0,
      exitCode,
      infraError: null,
    };
  }
  if (!jsonRead) {
    return {
      timing,
      failed: false,
      firstFailure: null,
      failureMessage: null,
      testsRun: 0,
      exitCode,
      infraError: `vitest produced no result (exit ${exitCode}): ${stderr.trim().slice(-800)}`,
    };
  }
  for (const file of json.testResults ?? []) {
    const rel = path.relative(ROOT, file.name);
    const test = file.assertionResults.find((a) => a.status === 'failed');
    if (test) {
      return {
        timing,
        failed: true,
        firstFailure: `${rel} > ${test.fullName}`,
        failureMessage: (test.failureMessages ?? []).join('\n').slice(0, 2000),
        testsRun: json.numTotalTests ?? 0,
        exitCode,
        infraError: null,
      };
    }
    if (file.status === 'failed' && file.message) {
      return {
        timing,
        failed: true,
        firstFailure: `${rel} (file setup)`,
        failureMessage: file.message.slice(0, 2000),
        testsRun: json.numTotalTests ?? 0,
        exitCode,
        infraError: null,
      };
    }
  }
  return {
    timing,
    failed: false,
    firstFailure: null,
    failureMessage: null,
    testsRun: json.numTotalTests ?? 0,
    exitCode,
    infraError:
      exitCode === 0
        ? null
        : `vitest exited ${exitCode} with no failing test: ${stderr.trim().slice(-800)}`,
  };
}
