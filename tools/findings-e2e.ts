/**
 * npm run findings:e2e [-- --keep]
 *
 * End-to-end proof of findings and known deviations (issue 15), with faults of the spot-check
 * catalog planted in copies of the reference target (tools/spot-check/apply-fault.ts), on one
 * project and a few files so it runs in a few minutes:
 *
 *  1. two faults planted (A + B)  → the run FAILS; each expected finding is listed once, however
 *                                   many tests saw it;
 *  2. `deviations write`, same target → the run PASSES, every finding shown as known;
 *  3. the unpatched target        → PASSES with every entry reported stale; FAILS with
 *                                   CASERA_KNOWN_STRICT=1;
 *  4. fault A + a different fault C → FAILS: C's findings are new, A's stay known.
 *
 * Every run writes its reports under .tmp/findings-e2e/<step>/; the summary is printed and
 * written to .tmp/findings-e2e/summary.md. Exits 1 when an expectation does not hold.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { FindingsReport } from '../fixtures/harness/run/findings-reporter.ts';
import { prepareFaultyCopy, REFERENCE_DIR } from './spot-check/apply-fault.ts';
import { FAULTS } from './spot-check/catalog.ts';
import type { Fault } from './spot-check/fault.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const WORK = path.join(ROOT, '.tmp/findings-e2e');
const { values: args } = parseArgs({ options: { keep: { type: 'boolean', default: false } } });

/** Fault A (schema: many tests see it), B and C (different suite expectations). */
const A = 'task-field-renamed';
const B = 'etag-never-304';
const C = 'method-not-allowed-as-404';
const PROJECT = 'contracts';
const FILES = [
  'contracts/server-fields.test.ts',
  'contracts/static-data.test.ts',
  'contracts/wire-conventions.test.ts',
  'contracts/drift.test.ts',
];

function fault(id: string): Fault {
  const f = FAULTS.find((x) => x.id === id);
  if (!f) throw new Error(`no fault ${id} in the catalog`);
  return f;
}

function combined(...ids: string[]): Fault {
  const faults = ids.map(fault);
  return {
    id: `e2e-${ids.join('+')}`,
    area: 'contracts',
    description: faults.map((f) => f.description).join(' + '),
    edits: faults.flatMap((f) => f.edits),
    rules: faults.flatMap((f) => f.rules),
  };
}

interface Step {
  name: string;
  exitCode: number;
  report: FindingsReport;
  failingTests: number;
  seconds: number;
}

const knownFile = path.join(WORK, 'known-deviations.yaml');

function run(name: string, targetDir: string, env: Record<string, string> = {}): Step {
  const reports = path.join(WORK, name);
  rmSync(reports, { recursive: true, force: true });
  mkdirSync(reports, { recursive: true });
  const started = Date.now();
  console.log(`\n[e2e] ${name}: vitest run --project ${PROJECT} ${FILES.join(' ')}`);
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', `--project=${PROJECT}`, ...FILES],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      env: {
        ...process.env,
        CASERA_TARGET_DIR: targetDir,
        CASERA_REPORTS_DIR: reports,
        CASERA_KNOWN_DEVIATIONS: knownFile,
        CASERA_SHORT_WINDOWS: 'off',
        CASERA_RULE_GATE: 'on',
        ...env,
      },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  writeFileSync(path.join(reports, 'vitest.log'), `${r.stdout}\n${r.stderr}`);
  const report = JSON.parse(
    readFileSync(path.join(reports, 'findings.json'), 'utf8'),
  ) as FindingsReport;
  const failingTests = Number(/Tests\s+(\d+) failed/.exec(r.stdout)?.[1] ?? 0);
  const step = {
    name,
    exitCode: r.status ?? 1,
    report,
    failingTests,
    seconds: (Date.now() - started) / 1000,
  };
  console.log(
    `[e2e] ${name}: exit ${step.exitCode}; ${report.failing_tests} failing test(s) → ${report.findings_total} finding(s): ` +
      `${report.new} new, ${report.known} known; ${report.stale.length} stale; gate ${report.gate.pass ? 'PASS' : 'FAIL'} ` +
      `(${step.seconds.toFixed(0)} s)`,
  );
  for (const f of report.findings) {
    console.log(
      `        ${f.state.padEnd(5)} ${f.count}× in ${f.tests.length} test(s)  ${f.signature}`,
    );
  }
  return step;
}

const problems: string[] = [];
function expect(ok: boolean, what: string): void {
  console.log(`[e2e]   ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) problems.push(what);
}

function deviationsWrite(findings: string): string {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'tools/deviations.ts'),
      'write',
      '--file',
      knownFile,
      '--findings',
      findings,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`deviations write failed: ${r.stderr}`);
  return r.stdout.trim();
}

rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });

const ab = await prepareFaultyCopy(combined(A, B));
const ac = await prepareFaultyCopy(combined(A, C));

// 1. two faults, no known deviations
const s1 = run('1-two-faults', ab);
const sigs1 = s1.report.findings.map((f) => f.signature);
expect(s1.exitCode !== 0 && !s1.report.gate.pass, 'two planted faults: the run fails');
expect(
  sigs1.some((s) => s.includes('completion_count')),
  `fault ${A}: a schema finding on completion_count`,
);
expect(
  s1.report.findings.some((f) => /static_data|etag|304/i.test(`${f.signature} ${f.message}`)),
  `fault ${B}: a finding on the static data ETag`,
);
expect(new Set(sigs1).size === sigs1.length, 'each finding listed once');
expect(
  s1.report.findings.some((f) => f.count > 1 || f.tests.length > 1),
  'some finding was seen more than once, and is still listed once',
);
expect(
  s1.report.findings.every((f) => f.state === 'new'),
  'every finding new',
);

// 2. write the file, run again on the same target
console.log(`[e2e] ${deviationsWrite(path.join(WORK, '1-two-faults/findings.json'))}`);
const s2 = run('2-after-write', ab);
expect(s2.exitCode === 0 && s2.report.gate.pass, 'after writing the file: the run passes');
expect(
  s2.report.failing_tests_known_only > 0,
  'tests whose assertion meets a known deviation still fail (JUnit stays honest)',
);
expect(
  s2.report.tests_past_known > 0,
  'tests that met a known schema deviation went on (annotated casera-known-deviation in JUnit)',
);
expect(
  s2.report.findings.length > 0 && s2.report.findings.every((f) => f.state === 'known'),
  'every finding shown as known',
);
expect(s2.report.stale.length === 0, 'no stale entry');

// 3. the unpatched target
const s3 = run('3-unpatched', REFERENCE_DIR);
expect(
  s3.exitCode === 0 && s3.report.findings_total === 0,
  'unpatched: no finding, the run passes',
);
expect(s3.report.stale.length === sigs1.length, 'unpatched: every entry reported stale');
const s3s = run('3b-unpatched-strict', REFERENCE_DIR, { CASERA_KNOWN_STRICT: '1' });
expect(s3s.exitCode !== 0, 'unpatched with CASERA_KNOWN_STRICT=1: the run fails on stale entries');

// 4. a different second fault
const s4 = run('4-different-fault', ac);
expect(s4.exitCode !== 0 && !s4.report.gate.pass, `fault ${A} + ${C}: the run fails`);
expect(s4.report.new > 0, `fault ${C}: new finding(s)`);
expect(s4.report.findings.filter((f) => f.state === 'known').length > 0, `fault ${A}: still known`);

const table = [
  '| step | exit | failing tests | tests past a known violation | findings | new | known | stale | gate |',
  '|---|---|---|---|---|---|---|---|---|',
  ...[s1, s2, s3, s3s, s4].map(
    (s) =>
      `| ${s.name} | ${s.exitCode} | ${s.report.failing_tests} | ${s.report.tests_past_known} | ${s.report.findings_total} | ${s.report.new} | ${s.report.known} | ${s.report.stale.length} | ${s.report.gate.pass ? 'pass' : 'FAIL'} |`,
  ),
].join('\n');
writeFileSync(path.join(WORK, 'summary.md'), table + '\n');
console.log(`\n${table}\n`);
if (!args.keep) {
  rmSync(ab, { recursive: true, force: true });
  rmSync(ac, { recursive: true, force: true });
}
if (problems.length) {
  console.error(`[e2e] ${problems.length} expectation(s) failed:\n  - ${problems.join('\n  - ')}`);
  process.exit(1);
}
console.log('[e2e] all expectations hold');
