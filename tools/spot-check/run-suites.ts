import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');

export interface SuiteOutcome {
  /** Some test failed: the fault was noticed. */
  failed: boolean;
  /** The first failing test, as `file > describe > test`, or the file-level error. */
  firstFailure: string | null;
  failureMessage: string | null;
  testsRun: number;
  exitCode: number;
  /** vitest could not run at all (no test result). */
  infraError: string | null;
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

/** Runs the given vitest projects against an already running target, stopping at the first failure. */
export async function runSuites(opts: {
  projects: string[];
  env: Record<string, string>;
  workDir: string;
  timeoutSeconds: number;
}): Promise<SuiteOutcome> {
  await mkdir(opts.workDir, { recursive: true });
  const outFile = path.join(opts.workDir, 'vitest.json');
  const args = [VITEST, 'run', '--bail=1', '--reporter=json', `--outputFile=${outFile}`];
  for (const p of opts.projects) args.push(`--project=${p}`);
  // Its own process group, so a timeout also ends vitest's worker processes (not only vitest).
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  const killGroup = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  };
  process.once('exit', killGroup);
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
  clearTimeout(timer);
  process.removeListener('exit', killGroup);
  if (timedOut) killGroup(); // workers that outlived vitest
  if (timedOut) {
    return {
      failed: false,
      firstFailure: null,
      failureMessage: null,
      testsRun: 0,
      exitCode,
      infraError: `vitest timed out after ${opts.timeoutSeconds} s (--timeout): no test had failed by then`,
    };
  }

  let json: { numTotalTests?: number; testResults?: JsonFileResult[] };
  try {
    json = JSON.parse(await readFile(outFile, 'utf8'));
  } catch {
    return {
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
