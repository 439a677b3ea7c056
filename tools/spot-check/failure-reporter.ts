/**
 * A vitest reporter for the spot-check runner: appends every failure to the JSON-lines file named
 * by CASERA_SPOT_CHECK_FAILURES the moment the main process learns of it, then (with
 * CASERA_SPOT_CHECK_BAIL=1) cancels the run. This replaces vitest's own --bail, which cancels from
 * the worker before the failing result reaches the main process, so that result – and with it the
 * kill – could be lost (the run then exits 1 with no failing test in any report).
 */
import { appendFileSync } from 'node:fs';
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';

export interface FailureLine {
  module: string;
  fullName: string;
  message: string;
}

export default class FailureReporter implements Reporter {
  private readonly file = process.env.CASERA_SPOT_CHECK_FAILURES;
  private readonly bail = process.env.CASERA_SPOT_CHECK_BAIL === '1';
  private readonly seen = new Set<string>();
  private vitest: Vitest | undefined;
  private cancelled = false;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  private write(line: FailureLine): void {
    if (!this.file) return;
    this.seen.add(line.module);
    appendFileSync(this.file, JSON.stringify(line) + '\n');
    if (this.bail && !this.cancelled && this.vitest) {
      this.cancelled = true;
      void this.vitest.cancelCurrentRun('test-failure');
    }
  }

  onTestCaseResult(test: TestCase): void {
    const r = test.result();
    if (r.state !== 'failed') return;
    this.write({
      module: test.module.moduleId,
      fullName: test.fullName,
      message: r.errors.map((e) => e.message ?? String(e)).join('\n'),
    });
  }

  onTestModuleEnd(module: TestModule): void {
    if (module.state() !== 'failed' || this.seen.has(module.moduleId)) return;
    const errors = [...module.errors()];
    for (const suite of module.children.allSuites()) errors.push(...suite.errors());
    this.write({
      module: module.moduleId,
      fullName: '(file setup)',
      message: errors.map((e) => e.message ?? String(e)).join('\n'),
    });
  }
}
