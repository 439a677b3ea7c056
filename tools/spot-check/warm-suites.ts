/**
 * WarmSuites: the parent side of warm-vitest.ts. One per job slot; `run()` takes the options of
 * runSuites (run-suites.ts) and gives the same SuiteOutcome, from a vitest that stays up between
 * faults. A run that outlives its --timeout, or a vitest that dies, costs that vitest: it is
 * stopped and the next run starts a new one.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { PROFILING } from './profile.ts';
import {
  killProcessGroup,
  readFailures,
  type SuiteOutcome,
  type SuiteRunOptions,
} from './run-suites.ts';
import type { WarmAnswer, WarmRequest } from './warm-vitest.ts';
import { allSuiteFiles, projectOf, ROOT } from './select.ts';
import type { FailureLine } from './failure-reporter.ts';

const ENTRY = path.join(import.meta.dirname, 'warm-vitest.ts');
/** vitest's start and config load; a loaded machine may need long. */
const START_TIMEOUT_MS = 120_000;

export class WarmSuites {
  private child: ChildProcess | null = null;
  private starting: Promise<ChildProcess> | null = null;
  private nextId = 1;
  private stderr = '';

  /** `projects`: the vitest projects this vitest knows (a run's files must belong to them). */
  constructor(private readonly projects: readonly string[]) {}

  private start(): Promise<ChildProcess> {
    if (this.child && this.child.exitCode === null && !this.child.killed) {
      return Promise.resolve(this.child);
    }
    this.starting ??= new Promise<ChildProcess>((resolve, reject) => {
      this.stderr = '';
      const child = fork(ENTRY, [], {
        cwd: ROOT,
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, CASERA_WARM_PROJECTS: this.projects.join(',') },
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        // its own process group: stop() ends its test workers with it
        detached: true,
      });
      process.once('exit', () => killProcessGroup(child));
      child.stderr?.on('data', (d: Buffer) => {
        this.stderr = (this.stderr + d.toString()).slice(-4000);
      });
      const timer = setTimeout(() => {
        killProcessGroup(child);
        reject(new Error(`the warm vitest did not start within ${START_TIMEOUT_MS / 1000} s`));
      }, START_TIMEOUT_MS);
      child.once('message', () => {
        clearTimeout(timer);
        this.child = child;
        resolve(child);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the warm vitest exited (${code}): ${this.stderr.trim().slice(-800)}`));
      });
    }).finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  /** Starts vitest now (its start overlaps whatever the caller does next). */
  warmUp(): void {
    this.start().catch(() => undefined);
  }

  async run(opts: SuiteRunOptions): Promise<SuiteOutcome> {
    if (opts.ruleCoverage || opts.ready) {
      throw new Error('WarmSuites runs neither rule coverage nor a target still booting');
    }
    await mkdir(opts.workDir, { recursive: true });
    const failuresFile = path.join(opts.workDir, 'failures.jsonl');
    await rm(failuresFile, { force: true });
    const marksFile = path.join(opts.workDir, 'profile.jsonl');
    if (PROFILING) await rm(marksFile, { force: true });
    const files = opts.files ?? allSuiteFiles().filter((f) => opts.projects.includes(projectOf(f)));
    const infra = (infraError: string, exitCode = 1): SuiteOutcome => ({
      failed: false,
      firstFailure: null,
      failureMessage: null,
      testsRun: 0,
      exitCode,
      infraError,
    });
    let child: ChildProcess;
    try {
      child = await this.start();
    } catch (err) {
      return infra((err as Error).message);
    }
    const request: WarmRequest = {
      id: this.nextId++,
      files,
      testNamePattern: opts.testNamePattern ?? null,
      env: {
        ...opts.env,
        CASERA_SPOT_CHECK_FAILURES: failuresFile,
        CASERA_SPOT_CHECK_BAIL: opts.bail === false ? '0' : '1',
        ...(PROFILING ? { CASERA_SPOT_PROFILE_FILE: marksFile } : {}),
      },
    };
    const spawnedAt = Date.now(); // the request's send: the phases are read from here
    const answer = await new Promise<WarmAnswer | string>((resolve) => {
      const timer = setTimeout(() => {
        cleanup();
        this.stop();
        resolve(
          `vitest timed out after ${opts.timeoutSeconds} s (--timeout): no test had failed by then`,
        );
      }, opts.timeoutSeconds * 1000);
      const onMessage = (m: WarmAnswer) => {
        if (m.id !== request.id) return;
        cleanup();
        resolve(m);
      };
      const onExit = (code: number | null) => {
        cleanup();
        this.child = null;
        resolve(
          `the warm vitest exited (${code}) during the run: ${this.stderr.trim().slice(-800)}`,
        );
      };
      const cleanup = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(request);
    });
    const timing = { spawnedAt, exitedAt: Date.now(), marksFile };
    const { lines, failures } = await readFailures(failuresFile);
    if (lines.length) {
      const f = JSON.parse(lines[0]) as FailureLine;
      return {
        timing,
        failed: true,
        firstFailure: failures[0],
        failures,
        failureMessage: f.message.slice(0, 2000),
        testsRun: typeof answer === 'string' ? 0 : answer.testsRun,
        exitCode: 1,
        infraError: null,
      };
    }
    if (typeof answer === 'string') return { ...infra(answer, 124), timing };
    if (answer.error) return { ...infra(answer.error), timing };
    if (answer.testsRun === 0) return { ...infra('vitest ran no test'), timing };
    return {
      timing,
      failed: false,
      firstFailure: null,
      failureMessage: null,
      testsRun: answer.testsRun,
      exitCode: 0,
      infraError: null,
    };
  }

  stop(): void {
    const child = this.child;
    this.child = null;
    if (child) killProcessGroup(child);
  }
}
