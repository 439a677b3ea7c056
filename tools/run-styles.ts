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
  /** `classname > name: first line of the failure` for each failing test. */
  failures: string[];
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
  const counts: JunitCounts = { tests: 0, failed: 0, skipped: 0, passed: 0, failures: [] };
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
      counts.failures.push(`${attr('classname')} > ${attr('name')}: ${first}`);
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
  const projects = values.projects?.split(',').filter(Boolean) ?? [];
  const results: StyleResult[] = [];
  for (const style of styles) {
    const r = await runStyle(style, projects, timeoutSeconds);
    results.push(r);
    const c = r.counts;
    const line = c
      ? `tests ${c.tests}, passed ${c.passed}, failed ${c.failed}, skipped ${c.skipped}`
      : r.error;
    console.log(`[styles] ${style.name}: ${line} (vitest exit ${r.exitCode}, ${r.seconds}s)`);
    for (const f of c?.failures.slice(0, 30) ?? []) console.log(`  ✗ ${f}`);
    if ((c?.failures.length ?? 0) > 30) console.log(`  … ${c!.failures.length - 30} more`);
    if (r.exitCode !== 0 || !c || c.failed > 0) {
      console.log(
        `  log: ${path.relative(ROOT, path.join(ROOT, 'reports/styles', style.name, 'vitest.log'))}`,
      );
    }
  }
  console.log('\n[styles] summary');
  console.log('style          tests  passed  failed  skipped  seconds');
  for (const r of results) {
    const c = r.counts;
    console.log(
      `${r.style.name.padEnd(14)} ${String(c?.tests ?? '-').padStart(5)}  ${String(c?.passed ?? '-').padStart(6)}  ${String(c?.failed ?? '-').padStart(6)}  ${String(c?.skipped ?? '-').padStart(7)}  ${String(r.seconds).padStart(7)}`,
    );
  }
  const bad = results.filter((r) => r.exitCode !== 0 || !r.counts || r.counts.failed > 0);
  if (bad.length > 0) {
    console.log(`[styles] FAILED: ${bad.map((r) => r.style.name).join(', ')}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.filename === path.resolve(process.argv[1])) await main();
