/**
 * npm run flakes -- [--runs 20] [--parallel 1] [--project contracts ...] [--timeout 1200]
 *
 * The flake hunt: N full runs (`npx vitest run`) one after another – or P at once, which loads
 * the machine the way the spot-check runner does – each with a fresh random CASERA_FC_SEED
 * (printed) and its own CASERA_REPORTS_DIR (reports/flakes/<stamp>/run-<i>/). Every failed test
 * is read from the run's junit.xml and printed with its seed and the command that replays it;
 * a run that went red without a failed test (rule gate, global setup or teardown, e.g. the
 * whole-run log-leak check) is printed with the end of its output. A test that skipped in some
 * runs but ran in others did not run silently: those runs count as not green. Ends with "K of N green"
 * and exits 1 unless every run was green. Against an external target, set CASERA_API_URL etc.
 * as for `npm test`: every run inherits the environment.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { XMLParser } from 'fast-xml-parser';

const ROOT = path.resolve(import.meta.dirname, '..');

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    parallel: { type: 'string', default: '1' },
    project: { type: 'string', multiple: true },
    timeout: { type: 'string', default: '1200' },
    out: { type: 'string' },
  },
});
const runs = Number(args.runs);
const parallel = Number(args.parallel);
const timeoutS = Number(args.timeout);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
if (!Number.isInteger(parallel) || parallel < 1) throw new Error('--parallel must be ≥ 1');
const projects = args.project ?? [];
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const outDir = path.resolve(args.out ?? path.join(ROOT, 'reports', 'flakes', stamp));

interface Failed {
  file: string;
  /** The test's full name (describe blocks joined with ' > '). */
  name: string;
  message: string;
}

interface RunResult {
  index: number;
  /** Full names (`file > test`) of the tests that skipped. */
  skippedNames: string[];
  seed: number;
  exitCode: number | null;
  seconds: number;
  failed: Failed[];
  junit: boolean;
  tests: number;
  skipped: number;
  log: string;
  timedOut: boolean;
}

// ---- junit.xml ---------------------------------------------------------------------------

type XmlNode = Record<string, unknown>;
const asArray = <T>(v: T | T[] | undefined): T[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/** The failed test cases of a vitest junit.xml, and the counts. */
function readJunit(xml: string): {
  failed: Failed[];
  tests: number;
  skipped: number;
  skippedNames: string[];
} {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    textNodeName: '#text',
    isArray: (name) => ['testsuite', 'testcase', 'failure', 'error'].includes(name),
  });
  const doc = parser.parse(xml) as { testsuites?: XmlNode };
  const failed: Failed[] = [];
  let tests = 0;
  let skipped = 0;
  const skippedNames: string[] = [];
  for (const suite of asArray(doc.testsuites?.testsuite as XmlNode[] | undefined)) {
    for (const tc of asArray(suite.testcase as XmlNode[] | undefined)) {
      tests += 1;
      if (tc.skipped !== undefined) {
        skipped += 1;
        skippedNames.push(`${String(tc.classname ?? suite.name)} > ${String(tc.name)}`);
      }
      const problems = [
        ...asArray(tc.failure as (XmlNode | string)[] | undefined),
        ...asArray(tc.error as (XmlNode | string)[] | undefined),
      ];
      if (problems.length === 0) continue;
      const p = problems[0];
      const message =
        typeof p === 'string'
          ? p
          : String((p as XmlNode).message ?? (p as XmlNode)['#text'] ?? '(no message)');
      failed.push({
        file: String(tc.classname ?? suite.name ?? '?'),
        name: String(tc.name ?? '?'),
        message,
      });
    }
  }
  return { failed, tests, skipped, skippedNames };
}

/** A shell-quoted single argument. */
const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
/** `-t` takes a pattern: the test's own title, regex characters escaped. */
const pattern = (title: string): string => title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function replayCommand(seed: number, f: Failed): string {
  const title = f.name.split(' > ').at(-1) ?? f.name;
  return `CASERA_FC_SEED=${seed} npx vitest run ${f.file} -t ${sq(pattern(title))}`;
}

// ---- runs --------------------------------------------------------------------------------

function runOnce(index: number): Promise<RunResult> {
  const seed = crypto.randomInt(0, 2 ** 31 - 1);
  const dir = path.join(outDir, `run-${index}`);
  fs.mkdirSync(dir, { recursive: true });
  const logFile = path.join(dir, 'vitest.log');
  const log = fs.openSync(logFile, 'w');
  const vitestArgs = ['vitest', 'run', ...projects.flatMap((p) => ['--project', p])];
  console.log(
    `[flakes] run ${index}/${runs} started: CASERA_FC_SEED=${seed} CASERA_REPORTS_DIR=${path.relative(ROOT, dir)}`,
  );
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn('npx', vitestArgs, {
      cwd: ROOT,
      env: {
        ...process.env,
        CASERA_FC_SEED: String(seed),
        CASERA_REPORTS_DIR: dir,
        // a fresh run id per run (an inherited one would make parallel runs collide)
        CASERA_RUN_ID: '',
        FORCE_COLOR: '0',
        NO_COLOR: '1',
      },
      stdio: ['ignore', log, log],
      detached: true, // its own process group: a timeout ends vitest and its workers
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    }, timeoutS * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      fs.closeSync(log);
      const junitFile = path.join(dir, 'junit.xml');
      const junit = fs.existsSync(junitFile);
      const parsed = junit
        ? readJunit(fs.readFileSync(junitFile, 'utf8'))
        : { failed: [], tests: 0, skipped: 0, skippedNames: [] };
      resolve({
        index,
        seed,
        exitCode: code,
        seconds: Math.round((Date.now() - t0) / 1000),
        failed: parsed.failed,
        junit,
        tests: parsed.tests,
        skipped: parsed.skipped,
        skippedNames: parsed.skippedNames,
        log: logFile,
        timedOut,
      });
    });
  });
}

const green = (r: RunResult): boolean => r.exitCode === 0 && r.failed.length === 0 && !r.timedOut;

function tail(file: string, lines = 25): string {
  const text = fs.readFileSync(file, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-lines)
    .map((l) => `      ${l}`)
    .join('\n');
}

function report(r: RunResult): void {
  const head = `[flakes] run ${r.index}/${runs}: ${green(r) ? 'GREEN' : 'RED'} in ${r.seconds} s (seed ${r.seed}, ${r.tests} tests, ${r.skipped} skipped, exit ${r.exitCode}${r.timedOut ? ', timed out' : ''})`;
  console.log(head);
  for (const f of r.failed) {
    console.log(`  ✗ ${f.file} › ${f.name}`);
    console.log(`      ${f.message.split('\n')[0].slice(0, 300)}`);
    console.log(`      seed: ${r.seed}`);
    console.log(`      replay: ${replayCommand(r.seed, f)}`);
  }
  if (!green(r) && r.failed.length === 0) {
    console.log(
      `  ✗ the run failed outside any test (${r.junit ? 'junit.xml has no failed test' : 'no junit.xml'}); replay: CASERA_FC_SEED=${r.seed} npx vitest run`,
    );
    console.log(`    end of ${path.relative(ROOT, r.log)}:\n${tail(r.log)}`);
  }
}

async function main(): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true });
  console.log(
    `[flakes] ${runs} full run(s), ${parallel} at a time${projects.length ? `, projects ${projects.join(', ')}` : ''}; reports in ${path.relative(ROOT, outDir)}`,
  );
  const results: RunResult[] = [];
  let next = 1;
  const lane = async (): Promise<void> => {
    while (next <= runs) {
      const r = await runOnce(next++);
      report(r);
      results.push(r);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, runs) }, lane));
  results.sort((a, b) => a.index - b.index);
  // a test that skipped in some runs and ran in others is a silent non-run: it counts as a flake
  const unstableSkips = new Map<string, number[]>();
  for (const r of results.filter((x) => x.junit)) {
    for (const name of r.skippedNames) {
      unstableSkips.set(name, [...(unstableSkips.get(name) ?? []), r.index]);
    }
  }
  const withJunit = results.filter((x) => x.junit).length;
  for (const [name, where] of unstableSkips) {
    if (where.length === withJunit) unstableSkips.delete(name); // skipped every time: a setting
  }
  const skipFlaky = new Set([...unstableSkips.values()].flat());
  const greens = results.filter((r) => green(r) && !skipFlaky.has(r.index)).length;
  const summary = {
    runs,
    parallel,
    projects,
    green: greens,
    unstableSkips: Object.fromEntries(unstableSkips),
    results: results.map((r) => ({
      run: r.index,
      seed: r.seed,
      green: green(r) && !skipFlaky.has(r.index),
      seconds: r.seconds,
      exitCode: r.exitCode,
      tests: r.tests,
      skipped: r.skipped,
      failed: r.failed.map((f) => ({ ...f, replay: replayCommand(r.seed, f) })),
    })),
  };
  fs.writeFileSync(path.join(outDir, 'flakes.json'), JSON.stringify(summary, null, 2));
  console.log(
    `\n[flakes] ${greens} of ${runs} green (${parallel} at a time; seeds ${results.map((r) => r.seed).join(', ')})`,
  );
  for (const [name, where] of unstableSkips) {
    console.log(
      `  ✗ skipped in run(s) ${where.join(', ')} but ran in the others (a silent non-run): ${name}`,
    );
  }
  for (const r of results.filter((x) => !green(x))) {
    console.log(
      `  run ${r.index} (seed ${r.seed}): ${r.failed.length ? r.failed.map((f) => `${f.file} › ${f.name}`).join('; ') : 'failed outside any test'}`,
    );
  }
  console.log(`[flakes] details: ${path.relative(ROOT, path.join(outDir, 'flakes.json'))}`);
  process.exitCode = greens === runs ? 0 : 1;
}

await main();
