/**
 * A vitest reporter for the spot-check runner: appends every failure to the JSON-lines file named
 * by CASERA_SPOT_CHECK_FAILURES the moment the main process learns of it, then (with
 * CASERA_SPOT_CHECK_BAIL=1) cancels the run. This replaces vitest's own --bail, which cancels from
 * the worker before the failing result reaches the main process, so that result – and with it the
 * kill – could be lost (the run then exits 1 with no failing test in any report).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import { markTo } from './profile.ts';

/** CASERA_SPOT_PROFILE_FILE (set by the runner when profiling): where the run's marks go. */
const profileFile = (): string | undefined => process.env.CASERA_SPOT_PROFILE_FILE;
/** run.ts gives a target 120 s to boot; the wait for it here is bounded a little above that. */
const READY_TIMEOUT_MS = 150_000;

export interface FailureLine {
  module: string;
  fullName: string;
  message: string;
}

export default class FailureReporter implements Reporter {
  // read at each run's start: a warm vitest (warm-vitest.ts) runs many, each with its own file
  private file: string | undefined;
  private bail = false;
  private readonly seen = new Set<string>();
  private vitest: Vitest | undefined;
  private cancelled = false;

  private marked = new Set<string>();

  /** A profile mark, once per run (the first time it happens). */
  private markOnce(mark: string): void {
    const file = profileFile();
    if (!file || this.marked.has(mark)) return;
    this.marked.add(mark);
    markTo(file, mark);
  }

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
    this.markOnce('init');
  }

  /**
   * CASERA_SPOT_CHECK_READY (run-suites.ts `ready`): vitest was started while the target was
   * still booting. Before the global setup runs (vitest awaits this hook first), wait for the
   * runner's file giving the target's URLs and put them into the environment the global setup and
   * the workers read.
   */
  async onTestRunStart(): Promise<void> {
    this.file = process.env.CASERA_SPOT_CHECK_FAILURES;
    this.bail = process.env.CASERA_SPOT_CHECK_BAIL === '1';
    this.seen.clear();
    this.cancelled = false;
    this.marked.clear();
    this.markOnce('run-start');
    const file = process.env.CASERA_SPOT_CHECK_READY;
    if (!file) return;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!existsSync(file)) {
      if (Date.now() > deadline) {
        throw new Error(`[spot-check] the target was not up within ${READY_TIMEOUT_MS / 1000} s`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const { env } = JSON.parse(readFileSync(file, 'utf8')) as { env: Record<string, string> };
    Object.assign(process.env, env);
    this.markOnce('target-ready');
  }

  onTestModuleCollected(): void {
    this.markOnce('collected');
  }

  onTestCaseReady(): void {
    this.markOnce('first-test');
  }

  onTestRunEnd(): void {
    this.markOnce('run-end');
  }

  private write(line: FailureLine): void {
    if (!this.file) return;
    const key = `${line.module}\0${line.fullName}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.seen.add(line.module);
    appendFileSync(this.file, JSON.stringify(line) + '\n');
    if (this.bail && !this.cancelled && this.vitest) {
      this.cancelled = true;
      void this.vitest.cancelCurrentRun('test-failure');
    }
  }

  private writeTest(test: TestCase): void {
    const r = test.result();
    if (r.state !== 'failed') return;
    this.write({
      module: test.module.moduleId,
      fullName: test.fullName,
      message: r.errors.map((e) => e.message ?? String(e)).join('\n'),
    });
  }

  onTestCaseResult(test: TestCase): void {
    markTo(profileFile(), 'last-result');
    this.writeTest(test);
  }

  /**
   * A failed module: its failed tests (their results can reach the reporter after the module's
   * end), or – when no test failed – the error of its own setup (a hook, an import).
   */
  onTestModuleEnd(module: TestModule): void {
    if (module.state() !== 'failed') return;
    const failed = [...module.children.allTests()].filter((t) => t.result().state === 'failed');
    for (const t of failed) this.writeTest(t);
    if (failed.length || this.seen.has(module.moduleId)) return;
    const errors = [...module.errors()];
    for (const suite of module.children.allSuites()) errors.push(...suite.errors());
    this.write({
      module: module.moduleId,
      fullName: '(file setup)',
      message: errors.map((e) => e.message ?? String(e)).join('\n'),
    });
  }
}
