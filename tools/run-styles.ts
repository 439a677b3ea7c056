/**
 * npm run styles [-- --style a,b] [-- --projects contracts,authz]
 *
 * For each document style (tools/spec-styles/): writes the style's document to .tmp/styles/ and
 * runs the whole suite (every project) against the embedded reference target with
 * CASERA_SPEC=<that document> and CASERA_REPORTS_DIR=reports/styles/<name>. Prints per style the
 * tests run, passed, failed and skipped (from reports/styles/<name>/junit.xml) and the failing
 * tests; exits non-zero if any style has a failure (a correct target described in another
 * style must pass unchanged). The vitest output of each style is in reports/styles/<name>/vitest.log.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { STYLES, styleNamed } from './spec-styles/index.ts';
import type { DocumentStyle } from './spec-styles/index.ts';
import { writeStyle } from './transform-spec.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface JunitCounts {
  tests: number;
  failed: number;
  skipped: number;
  passed: number;
  /** `classname > name: first line of the failure` for each failing test that is no document finding. */
  failures: string[];
  /** Pointers of the failing document-finding tests (one test per defect location). */
  findings: string[];
}

/** A failing test that reports a document defect: `contracts/openapi-document.test.ts`, named `… > #/pointer`. */
export function findingPointer(classname: string, name: string): string | undefined {
  if (!classname.endsWith('openapi-document.test.ts')) return undefined;
  return /(?:^| > )(#\/\S*)$/.exec(name)?.[1];
}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');
}

/** Counts of a vitest JUnit report (one `<testcase>` per test; `<failure>`/`<error>`/`<skipped/>` inside). */
export function readJunit(xml: string): JunitCounts {
  const counts: JunitCounts = {
    tests: 0,
    failed: 0,
    skipped: 0,
    passed: 0,
    failures: [],
    findings: [],
  };
  const re = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const m of xml.matchAll(re)) {
    counts.tests++;
    const attrs = m[1];
    const body = m[3] ?? '';
    const attr = (k: string) => unescapeXml(new RegExp(`\\b${k}="([^"]*)"`).exec(attrs)?.[1] ?? '');
    if (/<(failure|error)\b/.test(body)) {
      counts.failed++;
      const msg = /<(?:failure|error)\b[^>]*?message="([^"]*)"/.exec(body)?.[1] ?? '';
      const first = unescapeXml(msg).split('\n')[0].slice(0, 200);
      const finding = findingPointer(attr('classname'), attr('name'));
      if (finding) counts.findings.push(finding);
      else counts.failures.push(`${attr('classname')} > ${attr('name')}: ${first}`);
    } else if (/<skipped\b/.test(body)) counts.skipped++;
    else counts.passed++;
  }
  return counts;
}

interface StyleResult {
  style: DocumentStyle;
  exitCode: number;
  seconds: number;
  counts?: JunitCounts;
  error?: string;
}

/** What keeps a style from passing: false alarms, unexpected or missing findings, no report. */
export function problems(
  style: DocumentStyle,
  r: Omit<StyleResult, 'style'>,
  contractsRan = true,
): string[] {
  if (!r.counts) return [r.error ?? 'no junit report'];
  const out: string[] = [];
  if (r.counts.tests === 0) out.push('no test ran (the global setup failed? see the log)');
  const expected = style.expectedFindings.map((f) => f.pointer);
  if (r.counts.failures.length > 0) out.push(`${r.counts.failures.length} false alarm(s)`);
  const unexpected = r.counts.findings.filter((p) => !expected.includes(p));
  const missing = contractsRan ? expected.filter((p) => !r.counts!.findings.includes(p)) : [];
  if (unexpected.length) out.push(`unexpected finding(s): ${unexpected.join(', ')}`);
  if (missing.length) out.push(`expected finding(s) not reported: ${missing.join(', ')}`);
  // vitest fails the run on the finding tests too; any other non-zero exit is a problem of its own
  if (r.exitCode !== 0 && r.counts.failed === 0 && r.counts.tests > 0) {
    out.push(`vitest exit ${r.exitCode}`);
  }
  return out;
}

async function runStyle(
  style: DocumentStyle,
  projects: string[],
  timeoutSeconds: number,
): Promise<StyleResult> {
  const reportsDir = path.join(ROOT, 'reports/styles', style.name);
  await rm(reportsDir, { recursive: true, force: true });
  await mkdir(reportsDir, { recursive: true });
  const spec = await writeStyle(style);
  const args = ['vitest', 'run', ...projects.flatMap((p) => ['--project', p])];
  const log = createWriteStream(path.join(reportsDir, 'vitest.log'));
  const started = Date.now();
  console.log(
    `[styles] ${style.name}: npx ${args.join(' ')} (CASERA_SPEC=${path.relative(ROOT, spec)})`,
  );
  let timedOut = false;
  const exitCode = await new Promise<number>((resolve) => {
    const child = spawn('npx', args, {
      cwd: ROOT,
      env: { ...process.env, CASERA_SPEC: spec, CASERA_REPORTS_DIR: reportsDir, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a timeout stops vitest, its workers and the target
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutSeconds * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code ?? 1);
    });
  });
  log.end();
  if (timedOut) {
    const error = `timed out after ${timeoutSeconds}s (stopped; see the log for the last test)`;
    return { style, exitCode: 124, seconds: timeoutSeconds, error };
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  try {
    const counts = readJunit(await readFile(path.join(reportsDir, 'junit.xml'), 'utf8'));
    return { style, exitCode, seconds, counts };
  } catch (e) {
    return { style, exitCode, seconds, error: `no junit report (${(e as Error).message})` };
  }
}

const TARGET_PROJECTS = ['contracts', 'lifecycle', 'properties', 'authz'] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      style: { type: 'string' },
      projects: { type: 'string' },
      timeout: { type: 'string', default: '600' },
    },
  });
  const timeoutSeconds = Number(values.timeout);
  const styles = values.style ? values.style.split(',').filter(Boolean).map(styleNamed) : STYLES;
  // The four suites that talk to the target; the unit project reads no document and would only
  // repeat itself once per style.
  const projects = values.projects?.split(',').filter(Boolean) ?? [...TARGET_PROJECTS];
  const contractsRan = projects.length === 0 || projects.includes('contracts');
  const results: StyleResult[] = [];
  for (const style of styles) {
    const r = await runStyle(style, projects, timeoutSeconds);
    results.push(r);
    const c = r.counts;
    const line = c
      ? `tests ${c.tests}, passed ${c.passed}, failed ${c.failed} (${c.findings.length} document finding(s), ${style.expectedFindings.length} expected), skipped ${c.skipped}`
      : r.error;
    console.log(`[styles] ${style.name}: ${line} (vitest exit ${r.exitCode}, ${r.seconds}s)`);
    for (const f of c?.failures.slice(0, 40) ?? []) console.log(`  ✗ ${f}`);
    if ((c?.failures.length ?? 0) > 40) console.log(`  … ${c!.failures.length - 40} more`);
    const p = problems(style, r, contractsRan);
    for (const x of p) console.log(`  ! ${x}`);
    if (p.length > 0) {
      console.log(
        `  log: ${path.relative(ROOT, path.join(ROOT, 'reports/styles', style.name, 'vitest.log'))}`,
      );
    }
  }
  console.log('\n[styles] summary');
  console.log('style          tests  passed  failed  findings  false-alarms  skipped  seconds');
  for (const r of results) {
    const c = r.counts;
    const cols = [
      [r.style.name, 14],
      [c?.tests, 5],
      [c?.passed, 6],
      [c?.failed, 6],
      [c ? `${c.findings.length}/${r.style.expectedFindings.length}` : undefined, 8],
      [c?.failures.length, 12],
      [c?.skipped, 7],
      [r.seconds, 7],
    ] as const;
    console.log(
      cols
        .map(([v, w], i) => (i === 0 ? String(v).padEnd(w) : String(v ?? '-').padStart(w)))
        .join('  '),
    );
  }
  const bad = results.filter((r) => problems(r.style, r, contractsRan).length > 0);
  if (bad.length > 0) {
    console.log(`[styles] FAILED: ${bad.map((r) => r.style.name).join(', ')}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.filename === path.resolve(process.argv[1])) await main();
