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
      setupFiles: ['./fixtures/harness/worker-setup.ts'],
      ...timeouts,
    },
  };
}

export default defineConfig({
  test: {
    globalSetup: ['./fixtures/harness/global-setup.ts'],
    reporters: [
      'default',
      [
        'junit',
        {
          outputFile: `${process.env.CASERA_REPORTS_DIR ?? 'reports'}/junit.xml`,
          suiteName: 'casera-contract-suite',
        },
      ],
      './fixtures/harness/rule-coverage-reporter.ts', // reports/rule-coverage.*, rule gate (issue 11)
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
