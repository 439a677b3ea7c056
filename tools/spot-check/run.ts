/**
 * npm run spot-check [-- --faults a,b] [--ci] [--jobs N] [--shard i/n] [--projects p,q] [--full-baseline]
 *                    [--baseline-first] [--no-baseline] [--no-confirm] [--cold] [--coverage file] [--list]
 * npm run spot-check -- --manifest external.json      (a real API: apply/revert/restart commands)
 * npm run spot-check -- --merge reports/spot-check/shard-*.json   (one report from a CI matrix)
 *
 * Plants each fault of the catalog in a copy of the reference target and boots it. Tier 1 runs only
 * the tests that prove the contract rules the fault breaks (from the last run's rule coverage, else
 * the rule tags in the suite sources); only if the fault survives them does tier 2 run the rest of
 * the suites. Every run stops at its first failure. Prints a kill table (also
 * reports/spot-check.md and .json) saying which tier killed each fault. Exits 1 when a fault
 * survives or only the full run killed it (its rules' tests miss something). Tier 1 runs in a vitest
 * kept up per job slot (warm-vitest.ts); the unpatched baseline runs after the faults, over the tests
 * that killed (confirmKills).
 */
import { execSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { assertKnownRuleIds } from '../../fixtures/harness/rules.ts';
import { shortWindowsEnv } from '../../fixtures/harness/short-windows.ts';
import { start, type StartedTarget } from '../../fixtures/reference-api/start.ts';
import { prepareFaultyCopy, REFERENCE_DIR, WORK_DIR } from './apply-fault.ts';
import { TargetHost } from './hosted-target.ts';
import { FAULTS } from './catalog.ts';
import type { ExternalFault, ExternalManifest, Fault } from './fault.ts';
import { SUITE_PROJECTS } from './fault.ts';
import {
  mergeReports,
  renderTable,
  renderTerminal,
  summarise,
  withoutUnconfirmedKills,
  longestFirst,
  writeReports,
  type KillRow,
} from './kill-table.ts';
import { runSuites, type SuiteOutcome, type SuiteRunOptions } from './run-suites.ts';
import { WarmSuites } from './warm-suites.ts';
import { profileJson, profileSummary, Stopwatch } from './profile.ts';
import {
  isCompleteCoverage,
  allSuiteFiles,
  namePattern,
  projectOf,
  readCoverage,
  ROOT,
  selectTests,
  splitByFile,
  type RuleCoverage,
  type Selection,
} from './select.ts';

/** A loaded machine (a CI runner, a shared box) can take long to boot a target. */
const BOOT_TIMEOUT_MS = 120_000;
const REPORTS = path.resolve(process.env.CASERA_REPORTS_DIR ?? path.join(ROOT, 'reports'));

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    faults: { type: 'string' },
    ci: { type: 'boolean', default: false },
    jobs: { type: 'string' },
    shard: { type: 'string' },
    projects: { type: 'string' },
    'full-baseline': { type: 'boolean', default: false },
    'no-baseline': { type: 'boolean', default: false },
    'baseline-first': { type: 'boolean', default: false },
    'no-confirm': { type: 'boolean', default: false },
    'no-tiers': { type: 'boolean', default: false },
    cold: { type: 'boolean', default: false },
    coverage: { type: 'string' },
    list: { type: 'boolean', default: false },
    manifest: { type: 'string' },
    merge: { type: 'boolean', default: false },
    out: { type: 'string' },
    timeout: { type: 'string', default: '300' },
  },
});
const timeoutSeconds = Number(args.timeout);
const projectOverride = args.projects?.split(',').filter(Boolean);
/** --no-tiers: the old behaviour (each fault's projects whole), for the bench's before/after. */
const tiered = !args['no-tiers'];
/**
 * Tier 1 runs in a vitest kept up per job slot (warm-vitest.ts): vitest's start, its config load
 * and the harness's transforms are paid once per slot, not once per fault. --cold: a new vitest
 * per run, as before (for the bench's before/after, or a vitest whose internals changed).
 */
const warm = !args.cold;
/** The warm vitest of each job slot (and of the external session), started on first use. */
const warmSlots = new Map<number, WarmSuites>();
function warmSlot(slot: number): WarmSuites {
  let w = warmSlots.get(slot);
  if (!w) warmSlots.set(slot, (w = new WarmSuites(SUITE_PROJECTS)));
  return w;
}

/**
 * The last full run's rule coverage (reports/rule-coverage.json). When there is none from a run of
 * every suite, the session's baseline runs every suite and its coverage is used; without a baseline
 * (--no-baseline) the rule tags in the suite sources decide.
 */
const coverageFile = path.resolve(args.coverage ?? path.join(REPORTS, 'rule-coverage.json'));
/** The coverage of the last spot-check baseline that ran every suite (kept for the next session). */
const BASELINE_COVERAGE = path.join(REPORTS, 'spot-check', 'rule-coverage.json');
let coverage: RuleCoverage | null = readCoverage(coverageFile);
let coverageSource = path.relative(ROOT, coverageFile);
if (!isCompleteCoverage(coverage) && !args.coverage) {
  coverage = readCoverage(BASELINE_COVERAGE);
  coverageSource = path.relative(ROOT, BASELINE_COVERAGE);
}
if (!isCompleteCoverage(coverage)) {
  coverage = null;
  coverageSource = 'the rule tags in the suite sources';
}

/** The session's normalised documents (fixtures/harness/document/spec-cache.ts), emptied at its start. */
const SPEC_CACHE_DIR = path.join(WORK_DIR, 'spec-cache');

/**
 * The environment every suite run under the spot-checker gets: no shared reports, no rule gate,
 * the document read once per session (the catalog's faults never edit it; one that did would
 * get its own cache entry: the key hashes the document's text).
 */
function suiteEnv(workDir: string): Record<string, string> {
  return {
    CASERA_RULE_GATE: 'off',
    CASERA_REPORTS_DIR: path.join(workDir, 'reports'),
    CASERA_SPOT_CHECK: '1',
    CASERA_SPEC_CACHE_DIR: SPEC_CACHE_DIR,
  };
}

/** Suite files that address the short-window target (it is booted only for them). */
const SHORT_WINDOW_FILES = new Set<string>();
for (const f of [
  'authz/expiry.test.ts',
  'authz/accounts.test.ts',
  'lifecycle/idempotency.test.ts',
]) {
  SHORT_WINDOW_FILES.add(f);
}
function usesShortWindows(files: readonly string[] | null, projects: readonly string[]): boolean {
  if (files === null) {
    return [...SHORT_WINDOW_FILES].some((f) => projects.includes(projectOf(f)));
  }
  return files.some((f) => {
    if (SHORT_WINDOW_FILES.has(f)) return true;
    try {
      return readFileSync(path.join(ROOT, f), 'utf8').includes("'short-windows'");
    } catch {
      return false;
    }
  });
}

interface Booted {
  /** What the suites need to address the target(s). */
  env: Record<string, string>;
  /** Boots the short-window copy if it is not running yet (tier 2 may need it when tier 1 did not). */
  ensureShort(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Targets boot in a long-lived host process (hosted-target.ts), one per target folder: a slot's
 * folder (its faults, one after the other) and the reference folder (baseline, confirmations).
 * --cold: a process per target, as before.
 */
const hosted = !args.cold;
/**
 * A host swaps process.env only while a target boots: an environment the process reads later or
 * globally (TZ, NODE_OPTIONS, …) needs a process of its own. The target reads CASERA_* at boot.
 */
const needsOwnProcess = (env: Record<string, string> = {}): boolean =>
  Object.keys(env).some((k) => !k.startsWith('CASERA_') && k !== 'LOG_LEVEL');
const hosts = new Map<string, Promise<TargetHost>>();
function hostFor(dir: string): Promise<TargetHost> {
  let host = hosts.get(dir);
  if (!host) {
    host = TargetHost.start();
    hosts.set(dir, host);
    host.catch(() => hosts.delete(dir)); // the next boot tries a new host
  }
  return host;
}

/**
 * start(), then wait for the target's first answer: it listens before its database is open, and
 * the suites' global setup gives a running target only 10 s to answer (a loaded machine needs more).
 */
async function startWarm(opts: Parameters<typeof start>[0]): Promise<StartedTarget> {
  const target =
    hosted && !needsOwnProcess(opts?.env)
      ? await (await hostFor(opts?.dir ?? REFERENCE_DIR)).boot(opts)
      : await start(opts);
  try {
    await waitHealthy(`${target.url}/api/static_data/`, BOOT_TIMEOUT_MS / 1000);
  } catch (err) {
    await target.close();
    throw err;
  }
  return target;
}

/**
 * Boots a copy of the target (`dir`) for the suites, plus – when the tests to run address the
 * short-window target (authz/expiry, lifecycle/idempotency) – a second copy of the SAME code
 * started with windows of seconds, so expiry bugs are observable within the run (the suites skip
 * those tests when CASERA_API_URL is set without CASERA_SHORT_WINDOWS_URL).
 */
async function bootTargets(
  dir: string,
  workDir: string,
  wantsShort: boolean,
  faultEnv: Record<string, string> = {},
): Promise<Booted> {
  const logFile = path.join(workDir, 'target.log');
  const startShort = () =>
    startWarm({
      dir,
      logFile: path.join(workDir, 'target-short.log'),
      env: { ...faultEnv, ...shortWindowsEnv() },
      timeoutMs: BOOT_TIMEOUT_MS,
    });
  const [main, short] = await Promise.allSettled([
    startWarm({ dir, logFile, env: faultEnv, timeoutMs: BOOT_TIMEOUT_MS }),
    wantsShort ? startShort() : Promise.resolve(null),
  ]);
  if (main.status === 'rejected' || short.status === 'rejected') {
    if (main.status === 'fulfilled') await main.value.close();
    if (short.status === 'fulfilled') await short.value?.close();
    const err = (
      main.status === 'rejected' ? main.reason : (short as PromiseRejectedResult).reason
    ) as Error;
    throw err;
  }
  let shortTarget = short.value;
  const env: Record<string, string> = {
    ...faultEnv,
    CASERA_API_URL: main.value.url,
    CASERA_SPEC: path.join(dir, 'docs/openapi.yaml'),
    CASERA_LOG_FILE: logFile,
    ...(shortTarget ? { CASERA_SHORT_WINDOWS_URL: shortTarget.url } : {}),
  };
  return {
    env,
    ensureShort: async () => {
      if (shortTarget) return;
      shortTarget = await startShort();
      env.CASERA_SHORT_WINDOWS_URL = shortTarget.url;
    },
    close: async () => {
      await Promise.all([main.value.close(), shortTarget?.close()]);
    },
  };
}

/**
 * runSuites, once more when vitest ran no test at all for a reason other than --timeout: on a
 * loaded machine the suites' global setup can miss its probe of a target booted a moment ago.
 */
async function runSuitesSteady(
  opts: SuiteRunOptions,
  run: (o: SuiteRunOptions) => Promise<SuiteOutcome> = runSuites,
): Promise<SuiteOutcome> {
  const first = await run(opts);
  if (first.failed || !first.infraError || first.infraError.includes('timed out')) return first;
  console.log(
    `[spot-check] vitest ran no test (${first.infraError.slice(0, 120).replace(/\s+/g, ' ')}); once more`,
  );
  return run(opts);
}

/** What the suites' environment holds of a target before it is up (bootTargets gives the rest). */
function targetEnvBeforeBoot(
  dir: string,
  workDir: string,
  faultEnv: Record<string, string> = {},
): Record<string, string> {
  return {
    ...faultEnv,
    CASERA_SPEC: path.join(dir, 'docs/openapi.yaml'),
    CASERA_LOG_FILE: path.join(workDir, 'target.log'),
  };
}

/** The tier-1 run of a selection: its files, its projects, and the -t filter naming its tests. */
function tierOneRun(sel: Selection): {
  files: string[];
  projects: string[];
  testNamePattern: string | null;
} {
  return {
    files: sel.files,
    projects: [...new Set(sel.files.map(projectOf))],
    testNamePattern: namePattern(sel),
  };
}

/** The session's baseline: which test files passed unpatched (null: no baseline, confirm each kill). */
let baselineFiles: Set<string> | null = null;
let baselineFull = false;
/**
 * Where the session's unpatched baseline runs. Before the faults (--baseline-first, --full-baseline,
 * and whenever tier 1 has no complete coverage report to choose from, or tiers are off), it runs
 * every test tier 1 may run (697 for the whole catalog). Otherwise it runs after them and only the
 * tests that killed a fault (confirmKills): a kill counts only when its test passes unpatched, and
 * no other test's result changes a verdict. Decided in main(), once the coverage is known.
 */
let baselineLast = false;

const fileOf = (firstFailure: string) =>
  firstFailure.split(' > ')[0].replace(/ \(file setup\)$/, '');

/** Targets still shutting down: a fault's slot moves on without waiting (awaited at the end). */
const closing: Promise<void>[] = [];

async function runEmbedded(fault: Fault, slot: number): Promise<KillRow> {
  const started = Date.now();
  const sw = new Stopwatch(fault.id);
  const workDir = path.join(WORK_DIR, `${fault.id}-run`);
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true }); // start() appends the target log there
  const sel = selectTests(fault.rules, coverage);
  const base = {
    fault: fault.id,
    area: fault.area,
    description: fault.description,
    rules: fault.rules,
    ruleTests: sel.tests.length + sel.wholeFiles.length,
    selection: sel.source,
  };
  const row = (
    verdict: KillRow['verdict'],
    first: string | null,
    detail: string | null,
    extra: Partial<KillRow> = {},
  ): KillRow => ({
    ...base,
    verdict,
    firstFailingTest: first,
    seconds: (Date.now() - started) / 1000,
    detail,
    tier: null,
    tier1Seconds: null,
    ...extra,
  });
  let dir: string;
  try {
    // one folder per job slot: the tsx transforms of the files the fault leaves alone are reused
    dir = await prepareFaultyCopy(fault, path.join(WORK_DIR, `slot-${slot + 1}`));
  } catch (err) {
    return row('error', null, (err as Error).message);
  }
  sw.lap('copy + patch');
  const fullProjects = projectOverride ?? fault.projects ?? SUITE_PROJECTS;
  const one = tierOneRun(sel);
  const runTierOne = tiered && one.files.length > 0;
  // The target boots while tier 1's vitest starts (its start and config load need no target):
  // vitest waits for the target's URLs before its global setup (run-suites.ts `ready`).
  const booting = bootTargets(
    dir,
    workDir,
    runTierOne ? usesShortWindows(one.files, one.projects) : usesShortWindows(null, fullProjects),
    fault.env,
  );
  booting.catch(() => undefined); // awaited below; no unhandled rejection meanwhile
  let targets: Booted | undefined;
  const booted = async (): Promise<string | null> => {
    try {
      targets = await booting;
      return null;
    } catch (err) {
      return `the faulty target did not start: ${(err as Error).message.slice(0, 300)}`;
    }
  };
  const kill = async (
    outcome: SuiteOutcome,
    tier: 'rules' | 'full',
    tier1Seconds: number | null,
  ): Promise<KillRow> => {
    const seconds = (Date.now() - started) / 1000; // time to kill, without the confirmation
    sw.lap('(after the kill)');
    // A test outside the fault's rules failing may be a flake (a loaded machine, a time window):
    // it must fail again on the faulty target, and its file pass on the unpatched one.
    const suspect =
      tier === 'full' && tiered
        ? ((await failsAgain(outcome.firstFailure, workDir, targets!.env)) ??
          (await notCredible(fault, outcome.firstFailure, true)))
        : await notCredible(fault, outcome.firstFailure);
    const extra = { seconds, tier, tier1Seconds };
    sw.lap('confirmation');
    if (suspect) return row('error', outcome.firstFailure, suspect, { ...extra, tier: null });
    return row('killed', outcome.firstFailure, outcome.failureMessage, extra);
  };
  try {
    let tier1Seconds: number | null = null;
    if (runTierOne) {
      const tier1Dir = path.join(workDir, 'tier1');
      const run = { ...one, workDir: tier1Dir, timeoutSeconds };
      let outcome: SuiteOutcome;
      if (warm) {
        // the slot's vitest is up already: the target first, then its tests
        const notStarted = await booted();
        if (notStarted) return row('error', null, notStarted);
        sw.lap('target boot');
        outcome = await runSuitesSteady(
          { ...run, env: { ...suiteEnv(tier1Dir), ...targets!.env } },
          (o) => warmSlot(slot).run(o),
        );
      } else {
        // a vitest of its own, started while the target boots
        outcome = await runSuitesSteady({
          ...run,
          env: { ...suiteEnv(tier1Dir), ...targetEnvBeforeBoot(dir, workDir, fault.env) },
          ready: booting.then((t) => t.env),
        });
        const notStarted = await booted();
        if (notStarted) return row('error', null, notStarted);
      }
      if (outcome.timing) {
        const { marksFile, spawnedAt, exitedAt } = outcome.timing;
        sw.vitest(warm ? 'tier1 (warm)' : 'tier1', marksFile, spawnedAt, exitedAt);
      }
      sw.lap('tier1: result read');
      tier1Seconds = (Date.now() - started) / 1000;
      if (outcome.failed) return await kill(outcome, 'rules', tier1Seconds);
      // tier 1 did not run (twice): an error, not a survival the full run would misattribute
      if (outcome.infraError) {
        return row('error', null, `tier 1 did not run: ${outcome.infraError}`, { tier1Seconds });
      }
    }
    const notStarted = await booted();
    if (notStarted) return row('error', null, notStarted);
    sw.lap('target boot');
    if (usesShortWindows(null, fullProjects)) await targets!.ensureShort();
    const outcome = await runSuitesSteady({
      projects: fullProjects,
      workDir: path.join(workDir, 'full'),
      timeoutSeconds,
      env: { ...suiteEnv(path.join(workDir, 'full')), ...targets!.env },
    });
    sw.lap('full run');
    if (outcome.failed) return await kill(outcome, tiered ? 'full' : 'rules', tier1Seconds);
    return row(outcome.infraError ? 'error' : 'survived', null, outcome.infraError, {
      tier1Seconds,
    });
  } finally {
    // the time to kill is taken; the copy's folder is reused only after this slot's next copy,
    // which does not need the old process gone (it holds no file there open for writing)
    closing.push(booting.then((t) => t.close()).catch(() => undefined));
    sw.lap('target close');
  }
}

/**
 * A kill counts only if the failing test passes on the unpatched target: the suites change while
 * the catalog runs (a test failing on the reference would otherwise "kill" every fault). The
 * session's baseline answers for the files it ran; any other file runs once more, unpatched.
 * Returns why the kill is not credible, or null. Skipped with --no-confirm.
 */
async function notCredible(
  fault: Fault,
  firstFailure: string | null,
  always = false,
): Promise<string | null> {
  if (args['no-confirm'] || !firstFailure) return null;
  const file = fileOf(firstFailure);
  if (!always && (baselineFull || baselineFiles?.has(file))) return null;
  // the session's baseline runs after the faults: it confirms this kill (confirmKills)
  if (!always && baselineLast) return null;
  const workDir = path.join(WORK_DIR, `${fault.id}-confirm`);
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  const project = projectOf(file);
  let targets: Booted;
  try {
    targets = await bootTargets(
      REFERENCE_DIR,
      workDir,
      usesShortWindows([file], [project]),
      fault.env,
    );
  } catch (err) {
    return `the unpatched target did not start for the confirmation: ${(err as Error).message.slice(0, 200)}`;
  }
  try {
    const outcome = await runSuitesSteady({
      projects: [project],
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

function suiteFilesOf(projects: string[]): string[] {
  return allSuiteFiles().filter((f) => projects.includes(projectOf(f)));
}

/** Re-runs the one failing test against the (still running) faulty target: null when it fails again. */
async function failsAgain(
  firstFailure: string | null,
  workDir: string,
  env: Record<string, string>,
): Promise<string | null> {
  if (args['no-confirm'] || !firstFailure || / \(file setup\)$/.test(firstFailure)) return null;
  const file = fileOf(firstFailure);
  const name = firstFailure.slice(file.length + 3);
  const dir = path.join(workDir, 'again');
  const outcome = await runSuitesSteady({
    projects: [projectOf(file)],
    files: [file],
    testNamePattern: namePattern({
      files: [file],
      tests: [{ file, name }],
      wholeFiles: [],
      unproven: [],
      source: 'coverage',
    }),
    workDir: dir,
    timeoutSeconds,
    env: { ...suiteEnv(dir), ...env },
  });
  return outcome.failed
    ? null
    : `not a kill: ${firstFailure} failed once and passed on the re-run against the same faulty target (a flake)`;
}

/**
 * The unpatched baseline, once per session: every test tier 1 will run for the session's faults
 * (or every suite with --full-baseline) must pass on the reference target, or a kill means nothing.
 */
async function runBaseline(faults: Fault[]): Promise<void> {
  const started = Date.now();
  const workDir = path.join(WORK_DIR, `baseline-run`);
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  // no complete coverage report: run every suite, and let this run's coverage choose tier 1
  const full = args['full-baseline'] || !tiered || coverage === null;
  const sel = selectTests([...new Set(faults.flatMap((f) => f.rules))], coverage);
  const one = tierOneRun(sel);
  const projects = full ? (projectOverride ?? SUITE_PROJECTS) : one.projects;
  const targets = await bootTargets(
    REFERENCE_DIR,
    workDir,
    full ? usesShortWindows(null, projects) : usesShortWindows(one.files, projects),
  );
  let outcome: SuiteOutcome;
  const flaky: string[] = [];
  try {
    outcome = await runSuitesSteady({
      projects,
      ...(full ? {} : { files: one.files, testNamePattern: one.testNamePattern }),
      ruleCoverage: full,
      bail: false,
      workDir,
      timeoutSeconds: Math.max(timeoutSeconds, 900),
      env: { ...suiteEnv(workDir), ...targets.env },
    });
    // a loaded machine makes a test fail now and then: each failure gets one re-run, and only a
    // test that fails twice stops the session (kills by a flaky test are then confirmed one by one)
    for (const failure of outcome.failed ? (outcome.failures ?? [outcome.firstFailure!]) : []) {
      const again = await failsAgain(failure, path.join(workDir, 'recheck'), targets.env);
      if (again === null) {
        console.error(
          `[spot-check] the suites do not pass on the unpatched target (${failure}, twice); a kill would mean nothing. Fix that first.`,
        );
        process.exit(2);
      }
      flaky.push(failure);
    }
  } finally {
    await targets.close();
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (outcome.infraError) {
    console.error(
      `[spot-check] the baseline did not run (${outcome.infraError}); a kill would mean nothing. Fix that first.`,
    );
    process.exit(2);
  }
  if (flaky.length) {
    console.log(
      `[spot-check] baseline: ${flaky.length} test(s) failed once and passed on the re-run (flaky here): ${flaky.join('; ')}`,
    );
  }
  // kills by a file with a flaky test are confirmed unpatched, one by one
  const flakyFiles = new Set(flaky.map(fileOf));
  baselineFull = full && flakyFiles.size === 0;
  baselineFiles = new Set(
    (full ? suiteFilesOf(projects) : one.files).filter((f) => !flakyFiles.has(f)),
  );
  if (full && coverage === null) {
    const fresh = readCoverage(path.join(workDir, 'reports', 'rule-coverage.json'));
    if (fresh && isCompleteCoverage(fresh, true)) {
      coverage = { ...fresh, suites_complete: true };
      await mkdir(path.dirname(BASELINE_COVERAGE), { recursive: true });
      await writeFile(BASELINE_COVERAGE, JSON.stringify(coverage) + '\n');
      coverageSource = "this session's baseline (every suite, unpatched)";
    }
  }
  console.log(
    `[spot-check] baseline green in ${seconds} s (${full ? 'every suite' : `the ${sel.tests.length} tests and ${sel.wholeFiles.length} whole files proving the faults' rules`}, ${outcome.testsRun} tests)`,
  );
}

/**
 * The baseline after the faults: every test that killed a fault in tier 1 runs once on the
 * unpatched target (grouped by the faults' extra environment, if any). A test that fails there
 * twice made no kill – its faults become errors naming it; one that fails once and then passes
 * is flaky here, and its kills are not counted either. Kills by the full run were confirmed one
 * by one already (failsAgain, notCredible).
 */
async function confirmKills(rows: KillRow[], faults: Fault[]): Promise<KillRow[]> {
  const started = Date.now();
  const envOf = new Map(faults.map((f) => [f.id, f.env ?? {}]));
  const killers = rows.filter(
    (r) => r.verdict === 'killed' && r.tier === 'rules' && r.firstFailingTest,
  );
  if (killers.length === 0) return rows;
  const groups = new Map<string, { env: Record<string, string>; tests: Set<string> }>();
  for (const r of killers) {
    const env = envOf.get(r.fault) ?? {};
    const key = JSON.stringify(env);
    if (!groups.has(key)) groups.set(key, { env, tests: new Set() });
    groups.get(key)!.tests.add(r.firstFailingTest!);
  }
  /** A killing test (or file, for a file-level failure) and why it made no kill. */
  const notKills = new Map<string, string>();
  let ran = 0;
  let k = 0;
  for (const { env, tests } of groups.values()) {
    const workDir = path.join(WORK_DIR, `baseline-run${k++ ? `-${k}` : ''}`);
    await rm(workDir, { recursive: true, force: true });
    await mkdir(workDir, { recursive: true });
    const named = [...tests].filter((t) => !/ \(file setup\)$/.test(t));
    const sel: Selection = {
      files: [...new Set([...tests].map(fileOf))],
      tests: named.map((t) => ({ file: fileOf(t), name: t.slice(fileOf(t).length + 3) })),
      wholeFiles: [...tests].filter((t) => !named.includes(t)).map(fileOf),
      unproven: [],
      source: 'coverage',
    };
    const one = tierOneRun(sel);
    let targets: Booted;
    try {
      targets = await bootTargets(
        REFERENCE_DIR,
        workDir,
        usesShortWindows(one.files, one.projects),
        env,
      );
    } catch (err) {
      for (const t of tests)
        notKills.set(
          t,
          `the unpatched target did not start for the baseline: ${(err as Error).message.slice(0, 200)}`,
        );
      continue;
    }
    try {
      // one part per warm vitest, side by side against the same unpatched target(s): many of
      // these tests wait (expiry windows, rate-limit windows) rather than compute
      // a file weighs what its killing tests' tier-1 runs took (many wait on windows)
      const seconds = new Map<string, number>();
      for (const r of killers) {
        const f = fileOf(r.firstFailingTest!);
        seconds.set(f, (seconds.get(f) ?? 0) + (r.tier1Seconds ?? r.seconds));
      }
      const parts = splitByFile(sel, warm ? Math.max(1, warmSlots.size) : 1, seconds);
      const outcomes = await Promise.all(
        parts.map((part, i) => {
          const partDir = parts.length > 1 ? path.join(workDir, `part-${i + 1}`) : workDir;
          const run = tierOneRun(part);
          return runSuitesSteady(
            {
              projects: run.projects,
              files: run.files,
              testNamePattern: run.testNamePattern,
              bail: false,
              workDir: partDir,
              timeoutSeconds: Math.max(timeoutSeconds, 900),
              env: { ...suiteEnv(partDir), ...targets.env },
            },
            warm ? (o) => warmSlot(i).run(o) : runSuites,
          );
        }),
      );
      for (const [i, outcome] of outcomes.entries()) {
        ran += outcome.testsRun;
        if (outcome.infraError && !outcome.failed) {
          for (const t of parts[i].files.flatMap((f) => [...tests].filter((x) => fileOf(x) === f)))
            notKills.set(
              t,
              `the unpatched baseline did not run: ${outcome.infraError.slice(0, 300)}`,
            );
          continue;
        }
        for (const failure of outcome.failed ? (outcome.failures ?? [outcome.firstFailure!]) : []) {
          const again = await failsAgain(failure, path.join(workDir, 'recheck'), targets.env);
          const why =
            again === null
              ? `not a kill: ${failure} fails on the unpatched target too (twice): fix the suite or the target first`
              : `not a kill: ${failure} failed once on the unpatched target and passed on a re-run (flaky here)`;
          notKills.set(failure, why);
        }
      }
    } finally {
      await targets.close();
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const out = withoutUnconfirmedKills(rows, notKills);
  const lost = out.filter((r, i) => r !== rows[i]).length;
  const distinct = [...groups.values()].reduce((n, g) => n + g.tests.size, 0);
  console.log(
    lost
      ? `[spot-check] baseline (unpatched, after the faults): ${lost} kill(s) not counted, their tests fail unpatched: ${[...notKills.keys()].join('; ')} (${seconds} s)`
      : `[spot-check] baseline (unpatched, after the faults) green in ${seconds} s: the ${distinct} test(s) that killed a fault all pass on the unpatched target (${ran} tests run)`,
  );
  return out;
}

/** Each fault's time in the last session that ran it (for longestFirst). */
const DURATIONS = path.join(REPORTS, 'spot-check', 'durations.json');
/**
 * The times of the session measured for docs/spot-check-bench.md, shipped so that a fresh clone's
 * first session is scheduled as well as the next: a hint for the order only, never a verdict.
 */
const SHIPPED_DURATIONS = path.join(import.meta.dirname, 'durations.json');

async function readDurations(): Promise<Record<string, number>> {
  const read = async (file: string) => {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as Record<string, number>;
    } catch {
      return {};
    }
  };
  return { ...(await read(SHIPPED_DURATIONS)), ...(await read(DURATIONS)) };
}

async function writeDurations(rows: KillRow[]): Promise<void> {
  let all: Record<string, number> = {};
  try {
    all = JSON.parse(await readFile(DURATIONS, 'utf8')) as Record<string, number>;
  } catch {
    // the first session here
  }
  for (const r of rows) all[r.fault] = Math.round(r.seconds * 10) / 10;
  await mkdir(path.dirname(DURATIONS), { recursive: true });
  await writeFile(DURATIONS, JSON.stringify(all, null, 1) + '\n');
}

function sh(command: string): void {
  execSync(command, { stdio: 'inherit', shell: '/bin/sh' });
}

async function waitHealthy(url: string, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, {
        signal: AbortSignal.timeout(Math.max(1000, deadline - Date.now())),
      });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer within ${seconds} s`);
}

/**
 * A real API: one fault at a time (apply, restart once, tier 1 then – only if it survives – tier
 * 2 against the same running target, revert, restart).
 */
async function runExternal(manifestPath: string): Promise<KillRow[]> {
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ExternalManifest;
  for (const f of manifest.faults) if (f.rules) assertKnownRuleIds(f.rules);
  const only = args.faults?.split(',');
  const faults = shard(manifest.faults.filter((f) => !only || only.includes(f.id)));
  const health = manifest.target.healthTimeoutSeconds ?? 60;
  const rows: KillRow[] = [];
  for (const fault of faults) rows.push(await runExternalFault(manifest, fault, health));
  return rows;
}

async function runExternalFault(
  manifest: ExternalManifest,
  fault: ExternalFault,
  health: number,
): Promise<KillRow> {
  const started = Date.now();
  const workDir = path.join(WORK_DIR, `${fault.id}-run`);
  const sel = selectTests(fault.rules ?? [], coverage);
  const one = tierOneRun(sel);
  const base = {
    fault: fault.id,
    area: 'external',
    description: fault.description,
    rules: fault.rules ?? [],
    ruleTests: sel.tests.length + sel.wholeFiles.length,
    selection: sel.source,
  };
  const env = (dir: string) => ({
    ...suiteEnv(dir),
    CASERA_API_URL: manifest.target.url,
    CASERA_SPEC: path.resolve(manifest.target.spec), // relative to the folder the runner starts in
    ...(manifest.target.logCmd ? { CASERA_LOG_CMD: manifest.target.logCmd } : {}),
  });
  const done = (outcome: SuiteOutcome, tier: 'rules' | 'full', tier1Seconds: number | null) => ({
    ...base,
    verdict: outcome.failed
      ? ('killed' as const)
      : outcome.infraError
        ? ('error' as const)
        : ('survived' as const),
    firstFailingTest: outcome.firstFailure,
    seconds: (Date.now() - started) / 1000,
    detail: outcome.failed ? outcome.failureMessage : outcome.infraError,
    tier: outcome.failed ? tier : null,
    tier1Seconds,
  });
  try {
    sh(fault.apply);
    sh(manifest.target.restart);
    await waitHealthy(manifest.target.health, health);
    let tier1Seconds: number | null = null;
    if (tiered && one.files.length > 0) {
      const outcome = await runSuitesSteady(
        {
          projects: one.projects,
          files: one.files,
          testNamePattern: one.testNamePattern,
          workDir: path.join(workDir, 'tier1'),
          timeoutSeconds,
          env: env(path.join(workDir, 'tier1')),
        },
        warm ? (o) => warmSlot(0).run(o) : runSuites,
      );
      tier1Seconds = (Date.now() - started) / 1000;
      if (outcome.failed || outcome.infraError) return done(outcome, 'rules', tier1Seconds);
    }
    const outcome = await runSuitesSteady({
      projects: projectOverride ?? fault.projects ?? SUITE_PROJECTS,
      workDir: path.join(workDir, 'full'),
      timeoutSeconds,
      env: env(path.join(workDir, 'full')),
    });
    return done(outcome, tiered && one.files.length > 0 ? 'full' : 'rules', tier1Seconds);
  } catch (err) {
    return {
      ...base,
      verdict: 'error',
      firstFailingTest: null,
      seconds: 0,
      detail: (err as Error).message,
      tier: null,
      tier1Seconds: null,
    };
  } finally {
    sh(fault.revert);
    sh(manifest.target.restart);
    await waitHealthy(manifest.target.health, health);
  }
}

async function pool<T>(items: T[], jobs: number, fn: (item: T, slot: number) => Promise<KillRow>) {
  const results: KillRow[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(jobs, items.length) }, async (_, slot) => {
      while (next < items.length) {
        const i = next++;
        const r = (results[i] = await fn(items[i], slot));
        const how =
          r.verdict === 'killed'
            ? `killed (${r.tier === 'full' ? 'full run' : 'rule tests'})`
            : r.verdict;
        console.log(
          `[spot-check] ${r.fault}: ${how}${r.firstFailingTest ? ` by ${r.firstFailingTest}` : r.detail ? ` (${r.detail.slice(0, 160)})` : ''} after ${r.seconds.toFixed(1)} s`,
        );
      }
    }),
  );
  return results;
}

/** `--shard i/n`: every n-th fault from the i-th (1-based), so each shard gets every area. */
function parseShard(): { index: number; count: number } | null {
  if (!args.shard) return null;
  const m = /^(\d+)\/(\d+)$/.exec(args.shard);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!(count >= 1 && index >= 1 && index <= count)) {
    console.error(`[spot-check] --shard ${args.shard}: expected i/n with 1 ≤ i ≤ n`);
    process.exit(2);
  }
  return { index, count };
}

export function shardOf<T>(items: T[], index: number, count: number): T[] {
  return items.filter((_, k) => k % count === index - 1);
}

function shard<T>(items: T[]): T[] {
  const s = parseShard();
  return s ? shardOf(items, s.index, s.count) : items;
}

function selectFaults(): Fault[] {
  const only = args.faults?.split(',').filter(Boolean);
  if (only) {
    const unknown = only.filter((id) => !FAULTS.some((f) => f.id === id));
    if (unknown.length) {
      console.error(`[spot-check] unknown fault(s): ${unknown.join(', ')} (see --list)`);
      process.exit(2);
    }
    return shard(FAULTS.filter((f) => only.includes(f.id)));
  }
  return shard(args.ci ? FAULTS.filter((f) => f.ci) : FAULTS);
}

async function main(): Promise<void> {
  if (args.list) {
    for (const f of FAULTS)
      console.log(
        `${f.id.padEnd(40)} ${f.area.padEnd(10)} ${f.ci ? 'ci ' : '   '} ${f.rules.join(',')}  ${f.description}`,
      );
    return;
  }
  if (args.merge) {
    if (positionals.length === 0) {
      console.error(
        '[spot-check] --merge needs the shard reports, e.g. reports/spot-check/shard-*.json',
      );
      process.exit(2);
    }
    const report = await mergeReports(positionals);
    console.log(renderTable(report));
    await writeReports(REPORTS, report);
    console.log(
      `[spot-check] ${positionals.length} shard(s) merged into reports/spot-check.md and .json`,
    );
    if (report.survived.length || report.errors.length || report.rulesTestsMissed.length)
      process.exitCode = 1;
    return;
  }
  for (const f of FAULTS) assertKnownRuleIds(f.rules);
  const started = Date.now();
  await rm(SPEC_CACHE_DIR, { recursive: true, force: true });
  let rows: KillRow[];
  if (args.manifest) {
    rows = await runExternal(path.resolve(args.manifest));
  } else {
    const faults = selectFaults();
    const jobs = Number(args.jobs ?? Math.max(1, Math.min(2, os.availableParallelism())));
    console.log(
      `[spot-check] ${faults.length} fault(s), ${jobs} at a time; tier 1 chosen from ${coverage ? coverageSource : 'the baseline run (no coverage report of a complete run)'}`,
    );
    // the slots' vitests start while the baseline (or the first target) boots
    if (warm && tiered)
      for (let i = 0; i < Math.min(jobs, faults.length); i++) warmSlot(i).warmUp();
    baselineLast =
      !args['no-baseline'] &&
      !args['baseline-first'] &&
      !args.cold &&
      !args['full-baseline'] &&
      tiered &&
      coverage !== null;
    if (!args['no-baseline'] && !baselineLast) await runBaseline(faults);
    console.log(`[spot-check] tier 1 chosen from ${coverageSource}`);
    rows = await pool(longestFirst(faults, await readDurations()), jobs, runEmbedded);
    await Promise.all(closing);
    if (baselineLast && !args['no-confirm']) rows = await confirmKills(rows, faults);
    await Promise.all([...hosts.values()].map((h) => h.then((x) => x.stop())));
  }
  for (const w of warmSlots.values()) w.stop();
  if (!args.manifest) await writeDurations(rows);
  const s = parseShard();
  const report = summarise(
    rows,
    (Date.now() - started) / 1000,
    s ? `${s.index}/${s.count}` : undefined,
  );
  console.log('\n' + renderTerminal(rows));
  const profile = profileSummary();
  if (profile) {
    console.log('\n' + profile);
    await mkdir(path.join(REPORTS, 'spot-check'), { recursive: true });
    await writeFile(
      path.join(REPORTS, 'spot-check', 'profile.json'),
      JSON.stringify(profileJson(), null, 1) + '\n',
    );
  }
  const base = args.out ?? (s ? `spot-check/shard-${s.index}-of-${s.count}` : 'spot-check');
  await writeReports(path.dirname(path.join(REPORTS, base)), report, path.basename(base));
  console.log(
    `\n[spot-check] ${report.killed}/${report.total} killed (${report.byTier.rules} by rule tests, ${report.byTier.full} only by the full run); ` +
      `wall ${report.wallSeconds?.toFixed(1)} s, median ${report.medianSecondsToKill?.toFixed(1) ?? '-'} s, p90 ${report.p90SecondsToKill?.toFixed(1) ?? '-'} s to kill; ` +
      `reports/${base}.md and .json written`,
  );
  const bad = rows.filter((r) => r.verdict !== 'killed');
  if (bad.length) {
    console.error(
      `[spot-check] ${bad.length} fault(s) not killed: ${bad.map((r) => `${r.fault} (${r.verdict})`).join(', ')}`,
    );
    process.exitCode = 1;
  }
  if (tiered && report.rulesTestsMissed.length) {
    console.error(
      `[spot-check] killed only by the full run (the tests of their rules miss something): ${report.rulesTestsMissed.join(', ')}`,
    );
    process.exitCode = 1;
  }
}

await main();
