/**
 * Which tests to run first against a fault: the tests that prove the contract rules it breaks.
 *
 * - From the last run's rule coverage (reports/rule-coverage.json, written by every `npm test`):
 *   each rule lists the tests that proved it, as `file > describe > test`. Those become a file
 *   list plus a vitest `-t` pattern naming exactly those tests.
 * - Beside them, every suite file whose source names the rule id (`proves('<id>'`,
 *   `provesIn(ctx, '<id>'`, rule tables) but where the report saw no test prove it (no report
 *   yet, a new rule or test, a file renamed since, a test that was failing then), or that was
 *   edited after the report was written (it may hold a test the report never saw), runs whole.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const SUITE_DIRS = ['contracts', 'lifecycle', 'properties', 'authz'] as const;

export interface RuleCoverage {
  rules: { id: string; tests: { name: string; project: string; state: string }[] }[];
  gate?: { complete_run?: boolean };
  /** Set on the copy a spot-check baseline keeps: a run of every suite (the unit project aside). */
  suites_complete?: boolean;
  /** When the report was written (its file's mtime, epoch ms; set by readCoverage, not stored). */
  writtenAt?: number;
}

/**
 * Whether a report can choose tier 1: it must come from a run of every suite (a partial run – one
 * project, a file filter – knows nothing of the tests it did not run).
 */
export function isCompleteCoverage(c: RuleCoverage | null, suitesOnly = false): boolean {
  if (!c) return false;
  if (c.gate?.complete_run || c.suites_complete) return true;
  // the spot-check baseline runs every suite but not the unit project: complete for our purpose
  return suitesOnly;
}

/** A tier-1 selection: files to run, and (when every test is known by name) a `-t` pattern. */
export interface Selection {
  /** Paths relative to the package root. */
  files: string[];
  /** Tests named by the coverage report, `describe > test` without the file. */
  tests: { file: string; name: string }[];
  /** Files run whole, because a rule was found only by its tag in the source. */
  wholeFiles: string[];
  /** Rules with no test at all (neither in the report nor tagged in the source). */
  unproven: string[];
  /** Where the selection came from. */
  source: 'coverage' | 'tags' | 'coverage+tags' | 'none';
}

/** Reads a rule coverage report; null when there is none or it is unreadable. */
export function readCoverage(file: string): RuleCoverage | null {
  if (!existsSync(file)) return null;
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as RuleCoverage;
    return Array.isArray(json.rules) ? { ...json, writtenAt: statSync(file).mtimeMs } : null;
  } catch {
    return null;
  }
}

export function allSuiteFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.test.ts')) out.push(rel);
    }
  };
  for (const d of SUITE_DIRS) if (existsSync(path.join(ROOT, d))) walk(d);
  return out.sort();
}

let sources: Map<string, string> | null = null;
function suiteSources(): Map<string, string> {
  sources ??= new Map(allSuiteFiles().map((f) => [f, readFileSync(path.join(ROOT, f), 'utf8')]));
  return sources;
}

/** Suite files whose source names the rule id as a string literal (proves/provesIn/rule tables). */
export function filesTagging(ruleId: string): string[] {
  const quoted = [`'${ruleId}'`, `"${ruleId}"`, `\`${ruleId}\``];
  return [...suiteSources()]
    .filter(([, src]) => quoted.some((q) => src.includes(q)))
    .map(([f]) => f);
}

/** Whether the suite file changed after `writtenAt` (epoch ms); never when it is unknown. */
function editedSince(file: string, writtenAt: number | undefined): boolean {
  if (writtenAt === undefined) return false;
  try {
    return statSync(path.join(ROOT, file)).mtimeMs > writtenAt;
  } catch {
    return false;
  }
}

export function selectTests(ruleIds: readonly string[], coverage: RuleCoverage | null): Selection {
  const byRule = new Map((coverage?.rules ?? []).map((r) => [r.id, r.tests]));
  const tests = new Map<string, { file: string; name: string }>();
  const whole = new Set<string>();
  const unproven: string[] = [];
  let fromCoverage = false;
  let fromTags = false;
  for (const id of ruleIds) {
    const known: { file: string; name: string; full: string }[] = [];
    for (const t of byRule.get(id) ?? []) {
      if (t.state !== 'passed') continue;
      const cut = t.name.indexOf(' > ');
      if (cut < 0) continue;
      const file = t.name.slice(0, cut);
      if (!existsSync(path.join(ROOT, file))) continue; // a file renamed since the report
      known.push({ file, name: t.name.slice(cut + 3), full: t.name });
    }
    for (const t of known) tests.set(t.full, { file: t.file, name: t.name });
    if (known.length > 0) fromCoverage = true;
    // a file whose source tags the rule but where the report saw no test prove it (a test added
    // or a file renamed since the report): run it whole, so a new test is never left out
    // a file edited after the report may hold tests the report never saw: it runs whole too
    const knownFiles = new Set(
      known.map((t) => t.file).filter((f) => !editedSince(f, coverage?.writtenAt)),
    );
    const tagged = filesTagging(id).filter((f) => !knownFiles.has(f));
    if (tagged.length > 0) fromTags = true;
    for (const f of tagged) whole.add(f);
    if (known.length === 0 && tagged.length === 0) unproven.push(id);
  }
  const named = [...tests.values()].filter((t) => !whole.has(t.file));
  const files = [...new Set([...named.map((t) => t.file), ...whole])].sort();
  return {
    files,
    tests: named,
    wholeFiles: [...whole].sort(),
    unproven,
    source:
      fromCoverage && fromTags
        ? 'coverage+tags'
        : fromCoverage
          ? 'coverage'
          : fromTags
            ? 'tags'
            : 'none',
  };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * The vitest `-t` pattern for a selection, or null when whole files run (no filter then). vitest
 * matches it against the test's names joined by spaces; the report joins them with ` > `.
 */
export function namePattern(sel: Selection): string | null {
  if (sel.wholeFiles.length > 0 || sel.tests.length === 0) return null;
  const names = [...new Set(sel.tests.map((t) => t.name))];
  return names.map((n) => `${n.split(' > ').map(escapeRe).join('(?: | > )')}$`).join('|');
}

/** The vitest project of a suite file (its top folder). */
export function projectOf(file: string): string {
  return file.split(/[\\/]/)[0];
}

/**
 * A selection split into `n` parts by file, the heaviest file first, each to the lightest part. A
 * file weighs `seconds` gives for it (what its tests took last), else its number of tests.
 */
export function splitByFile(
  sel: Selection,
  n: number,
  seconds: ReadonlyMap<string, number> = new Map(),
): Selection[] {
  const weight = (f: string) =>
    seconds.get(f) ??
    (sel.wholeFiles.includes(f) ? 10 : sel.tests.filter((t) => t.file === f).length);
  const parts = Array.from({ length: Math.max(1, Math.min(n, sel.files.length)) }, () => ({
    files: [] as string[],
    weight: 0,
  }));
  for (const f of [...sel.files].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b))) {
    const lightest = parts.reduce((a, b) => (b.weight < a.weight ? b : a));
    lightest.files.push(f);
    lightest.weight += weight(f);
  }
  return parts.map((p) => ({
    ...sel,
    files: p.files,
    tests: sel.tests.filter((t) => p.files.includes(t.file)),
    wholeFiles: sel.wholeFiles.filter((f) => p.files.includes(f)),
  }));
}
