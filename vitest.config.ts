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
      // no isolation: the files of one worker share one scenario (fewer registrations)
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
