/**
 * One vitest kept running for a job slot of the spot-check runner (run-suites.ts `WarmSuites`).
 *
 * A fresh `vitest run` per fault pays vitest's start, its config load and the transform of every
 * harness module each time (~2.5 s of CPU, more than most faults' tests). This process starts
 * vitest once (`createVitest`, no watcher) and runs each request's files against the target the
 * request names:
 * - the environment is the session's base plus the request's (the previous request's keys, and
 *   what the previous global setup handed to its workers, are removed first);
 * - the global setup runs again for every request (vitest runs it once per instance: its teardown
 *   is called after each run and the project forgets it), from a freshly evaluated module graph
 *   (the module runner's cache is cleared, so the harness config reads the new environment); the
 *   transformed code stays cached in vite, which is what makes the next run cheap;
 * - test files run in new workers as before (vitest ends its workers after every run).
 * The failures are written by failure-reporter.ts, as in a spawned run. The parent talks to it over
 * the IPC channel of `fork`: `{ id, files, testNamePattern, env }` in, `{ id, testsRun, error }` out.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createVitest, type Vitest } from 'vitest/node';
import FailureReporter from './failure-reporter.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface WarmRequest {
  id: number;
  /** Test files relative to the package root. */
  files: string[];
  testNamePattern: string | null;
  /** The run's environment on top of the session's (the target's URLs, the run's reports dir…). */
  env: Record<string, string>;
}

export interface WarmAnswer {
  id: number;
  testsRun: number;
  /** The run could not happen (or its global setup failed): why. */
  error: string | null;
}

/** vitest internals this relies on (4.1.x): checked once at start, so a vitest upgrade fails loudly. */
interface ProjectInternals {
  _teardownGlobalSetup(): Promise<void>;
  _globalSetups?: unknown;
  runner?: { clearCache?: () => void };
}

/**
 * Makes `live` (process.env) the session's `base` plus one run's `run`: whatever an earlier run
 * (or the global setup it ran) added is removed, and whatever it changed is put back.
 */
export function setRunEnv(
  live: NodeJS.ProcessEnv,
  base: Readonly<NodeJS.ProcessEnv>,
  run: Record<string, string>,
): void {
  for (const k of Object.keys(live)) if (!(k in base)) delete live[k];
  Object.assign(live, base, run);
}

/** Every project that may hold a global setup: the root one (where ours is declared) and the rest. */
function projectsOf(vitest: Vitest): ProjectInternals[] {
  return [
    ...new Set([vitest.getRootProject(), ...vitest.projects]),
  ] as unknown as ProjectInternals[];
}

async function forgetGlobalSetup(vitest: Vitest): Promise<string | null> {
  let error: string | null = null;
  for (const p of projectsOf(vitest)) {
    try {
      await p._teardownGlobalSetup();
    } catch (err) {
      error ??= `the global setup's teardown failed: ${(err as Error)?.message ?? String(err)}`;
    }
    p._globalSetups = undefined;
    p.runner?.clearCache?.();
  }
  return error;
}

async function main(): Promise<void> {
  const baseEnv = { ...process.env };
  const projects = (process.env.CASERA_WARM_PROJECTS ?? '').split(',').filter(Boolean);
  const reporter = new FailureReporter();
  const vitest = await createVitest(
    'test',
    {
      root: ROOT,
      config: path.join(ROOT, 'vitest.config.ts'),
      watch: false,
      reporters: [reporter],
      ...(projects.length ? { project: projects } : {}),
    },
    { server: { watch: null } },
  );
  for (const p of projectsOf(vitest)) {
    if (typeof p._teardownGlobalSetup !== 'function' || !('_globalSetups' in p)) {
      throw new Error(
        `[spot-check] this vitest (${vitest.version}) lacks the internals warm-vitest.ts needs; run with --cold`,
      );
    }
  }
  await vitest.standalone();

  const answer = (a: WarmAnswer) => process.send?.(a);
  process.on('message', (msg: WarmRequest) => {
    void (async () => {
      setRunEnv(process.env, baseEnv, msg.env);
      try {
        if (msg.testNamePattern) vitest.setGlobalTestNamePattern(msg.testNamePattern);
        else vitest.resetGlobalTestNamePattern();
        const specs = msg.files.flatMap((f) =>
          vitest.getModuleSpecifications(path.resolve(ROOT, f)),
        );
        if (!specs.length) {
          answer({
            id: msg.id,
            testsRun: 0,
            error: `no test file matches ${msg.files.join(', ')}`,
          });
          return;
        }
        let testsRun = 0;
        let error: string | null = null;
        try {
          const result = await vitest.runTestSpecifications(specs, false);
          for (const m of result.testModules) {
            for (const t of m.children.allTests()) {
              const state = t.result().state;
              if (state === 'passed' || state === 'failed') testsRun++;
            }
          }
          if (result.unhandledErrors.length) {
            error = `unhandled error(s): ${result.unhandledErrors.map((e) => String((e as Error)?.message ?? e)).join('; ')}`;
          }
        } catch (err) {
          error = `vitest failed: ${(err as Error)?.message ?? String(err)}`;
        }
        const teardown = await forgetGlobalSetup(vitest);
        answer({ id: msg.id, testsRun, error: error ?? teardown });
      } catch (err) {
        answer({ id: msg.id, testsRun: 0, error: String((err as Error)?.stack ?? err) });
      }
    })();
  });
  process.send?.({ ready: true });
}

// started by WarmSuites (fork, IPC channel); imported by its unit test for setRunEnv only
if (process.send && process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
