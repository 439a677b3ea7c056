import { defineConfig } from 'vitest/config';
import type { TestProjectInlineConfiguration } from 'vitest/config';

/**
 * One project per suite folder plus `unit` (oracles/arbitraries, no target needed). The global
 * setup is declared once at the root, so ONE target serves every project of a run; test files
 * run in parallel against it.
 */
const timeouts = { testTimeout: 60_000, hookTimeout: 60_000 };

function suite(name: string, include: string[]): TestProjectInlineConfiguration {
  return {
    test: {
      name,
      include,
      environment: 'node',
      maxConcurrency: 8,
      // every suite worker hands the secrets it sent to the whole-run log-leak check
      setupFiles: ['./fixtures/harness/run/worker-setup.ts'],
      ...timeouts,
    },
  };
}

export default defineConfig({
  test: {
    globalSetup: ['./fixtures/harness/run/global-setup.ts'],
    reporters: [
      'default',
      [
        'junit',
        {
          outputFile: `${process.env.CASERA_REPORTS_DIR ?? 'reports'}/junit.xml`,
          suiteName: 'casera-contract-suite',
        },
      ],
      // findings by signature, known deviations, rule coverage and the run's one gate (issues 11, 15)
      './fixtures/harness/run/findings-reporter.ts',
      ...(process.env.GITHUB_ACTIONS ? ['github-actions'] : []),
    ],
    maxWorkers: 2,
    ...timeouts,
    projects: [
      // No isolation: the files of one worker share loaded modules (the document, the checks,
      // static data's frozen ids) but no data: every file builds its own scenario from the file
      // fixtures of fixtures/harness/test-fixtures.ts, frozen, and the per-file harness state
      // (deferred findings, known-seen) is reset by worker-setup.ts. Measured 2026-12-06 on a
      // shared 2-core machine, `nice -n 15 npx vitest run --project contracts`, 841 tests, wall
      // time (module import summed over workers):
      //   load 15-21: isolate false 80.3 s (5.5 s), 90.8 s (5.2 s); true 130.3 s (27.2 s), 81.4 s (14.6 s)
      //   load 10-11: isolate false 42.8 s (2.2 s), 51.2 s (2.5 s); true 84.4 s (17.5 s), 44.6 s (9.6 s)
      // Wall time is noise-bound there; the import cost isolation adds (4-10x) is not.
      { test: { ...suite('contracts', ['contracts/**/*.test.ts']).test, isolate: false } },
      suite('lifecycle', ['lifecycle/**/*.test.ts']),
      suite('properties', ['properties/**/*.test.ts']),
      suite('authz', ['authz/**/*.test.ts']),
      {
        test: {
          name: 'unit',
          include: ['fixtures/**/*.test.ts', 'tools/**/*.test.ts'],
          environment: 'node',
          ...timeouts,
        },
      },
    ],
  },
});
