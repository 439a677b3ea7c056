import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export type Verdict = 'killed' | 'survived' | 'error';
/** Which run killed the fault: the tests proving its rules, or the rest of the suites after them. */
export type Tier = 'rules' | 'full';

export interface KillRow {
  fault: string;
  area: string;
  description: string;
  verdict: Verdict;
  firstFailingTest: string | null;
  /** Seconds from planting the fault to its kill (or to the end, when not killed). */
  seconds: number;
  detail: string | null;
  /** The contract rules the fault breaks. */
  rules?: string[];
  /** The tier that killed it (null when not killed). */
  tier?: Tier | null;
  /** Tests (or whole files) selected for tier 1, and where the selection came from. */
  ruleTests?: number;
  selection?: string;
  /** Seconds spent in tier 1 (boot included). */
  tier1Seconds?: number | null;
}

export interface KillReport {
  total: number;
  killed: number;
  byTier: { rules: number; full: number; survived: number; error: number };
  /** Faults only the full run killed: the tests of their rules are missing something. */
  rulesTestsMissed: string[];
  survived: string[];
  errors: string[];
  wallSeconds: number | null;
  medianSecondsToKill: number | null;
  p90SecondsToKill: number | null;
  shard?: string;
  rows: KillRow[];
}

const escapeCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The q-quantile (0..1) of the values, nearest-rank; null for none. */
export function quantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

export function summarise(rows: KillRow[], wallSeconds: number | null, shard?: string): KillReport {
  const kills = rows.filter((r) => r.verdict === 'killed').map((r) => r.seconds);
  return {
    total: rows.length,
    killed: kills.length,
    byTier: {
      rules: rows.filter((r) => r.verdict === 'killed' && r.tier === 'rules').length,
      full: rows.filter((r) => r.verdict === 'killed' && r.tier === 'full').length,
      survived: rows.filter((r) => r.verdict === 'survived').length,
      error: rows.filter((r) => r.verdict === 'error').length,
    },
    rulesTestsMissed: rows
      .filter((r) => r.verdict === 'killed' && r.tier === 'full')
      .map((r) => r.fault),
    survived: rows.filter((r) => r.verdict === 'survived').map((r) => r.fault),
    errors: rows.filter((r) => r.verdict === 'error').map((r) => r.fault),
    wallSeconds,
    medianSecondsToKill: quantile(kills, 0.5),
    p90SecondsToKill: quantile(kills, 0.9),
    ...(shard ? { shard } : {}),
    rows,
  };
}

const tierCell = (r: KillRow) =>
  r.verdict === 'killed' ? (r.tier === 'full' ? 'full run' : 'rule tests') : r.verdict;
const fmt = (n: number | null) => (n == null ? '-' : `${n.toFixed(1)} s`);

export function renderTable(report: KillReport): string {
  const { rows } = report;
  const lines = [
    `# Spot-check kill table${report.shard ? ` (shard ${report.shard})` : ''}`,
    ``,
    `${report.killed} of ${report.total} faults killed: ${report.byTier.rules} by the tests of their rules, ` +
      `${report.byTier.full} only by the full run, ${report.byTier.survived} survived, ${report.byTier.error} errors.`,
    ``,
    `Wall time ${fmt(report.wallSeconds)}; time to kill: median ${fmt(report.medianSecondsToKill)}, p90 ${fmt(report.p90SecondsToKill)}.`,
    ``,
    ...(report.rulesTestsMissed.length
      ? [
          `**Killed only by the full run** (the tests proving these faults' rules miss something; strengthen them):`,
          ``,
          ...report.rulesTestsMissed.map((f) => {
            const r = rows.find((x) => x.fault === f);
            return `- ${f} (${(r?.rules ?? []).join(', ')}): killed by ${r?.firstFailingTest ?? '?'}`;
          }),
          ``,
        ]
      : []),
    `| fault | area | rules | tier | first failing test | seconds to kill |`,
    `|---|---|---|---|---|---|`,
    ...rows.map(
      (r) =>
        `| ${r.fault} | ${r.area} | ${(r.rules ?? []).join(', ')} | ${tierCell(r)} | ${escapeCell(r.firstFailingTest ?? r.detail ?? '')} | ${r.verdict === 'killed' ? r.seconds.toFixed(1) : '-'} |`,
    ),
    ``,
    `## Faults`,
    ``,
    ...rows.map((r) => `- **${r.fault}**: ${r.description}`),
    ``,
  ];
  return lines.join('\n');
}

export function renderTerminal(rows: KillRow[]): string {
  const w = Math.max(5, ...rows.map((r) => r.fault.length));
  const out = rows.map(
    (r) =>
      `${r.fault.padEnd(w)}  ${tierCell(r).padEnd(10)}  ${r.verdict === 'killed' ? `${r.seconds.toFixed(1)}s`.padStart(7) : '      -'}  ${(r.firstFailingTest ?? r.detail ?? '').slice(0, 110)}`,
  );
  return [`${'fault'.padEnd(w)}  tier        seconds  first failing test`, ...out].join('\n');
}

/** Writes `<base>.md` and `<base>.json` in `dir` (base default `spot-check`). */
export async function writeReports(
  dir: string,
  report: KillReport,
  base = 'spot-check',
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${base}.md`), renderTable(report));
  await writeFile(path.join(dir, `${base}.json`), JSON.stringify(report, null, 2) + '\n');
}

/**
 * Merges shard reports (each `spot-check` JSON of a `--shard i/n` run) into one. The wall time is
 * the longest shard's (shards run side by side in a CI matrix).
 */
export async function mergeReports(files: string[]): Promise<KillReport> {
  const rows: KillRow[] = [];
  let wall: number | null = null;
  const seen = new Set<string>();
  for (const f of files) {
    const r = JSON.parse(await readFile(f, 'utf8')) as Partial<KillReport>;
    if (!Array.isArray(r.rows)) throw new Error(`${f}: not a spot-check report (no rows)`);
    for (const row of r.rows) {
      if (seen.has(row.fault)) throw new Error(`${f}: fault ${row.fault} is in two shards`);
      seen.add(row.fault);
      rows.push(row);
    }
    if (typeof r.wallSeconds === 'number') wall = Math.max(wall ?? 0, r.wallSeconds);
  }
  return summarise(rows, wall);
}

/**
 * The kill table once the unpatched baseline has run (run.ts confirmKills): a tier-1 kill whose
 * test (or whose test's file, for a file-level failure) is in `notKills` becomes an error saying
 * why. Kills by the full run were confirmed one by one and stay.
 */
export function withoutUnconfirmedKills(rows: KillRow[], notKills: Map<string, string>): KillRow[] {
  return rows.map((r) => {
    if (r.verdict !== 'killed' || r.tier !== 'rules' || !r.firstFailingTest) return r;
    const file = r.firstFailingTest.split(' > ')[0].replace(/ \(file setup\)$/, '');
    const why = notKills.get(r.firstFailingTest) ?? notKills.get(`${file} (file setup)`);
    return why ? { ...r, verdict: 'error' as const, tier: null, detail: why } : r;
  });
}

/**
 * The faults in the order a session runs them: longest first by their last session's time (a fault
 * never timed counts as longest), so that no slot is left alone with a long fault at the end
 * while the other idles. Ties keep the catalog order.
 */
export function longestFirst<T extends { id: string }>(
  faults: T[],
  lastSeconds: Record<string, number>,
): T[] {
  const t = (f: T) => lastSeconds[f.id] ?? Number.POSITIVE_INFINITY;
  return faults
    .map((f, i) => ({ f, i }))
    .sort((a, b) => t(b.f) - t(a.f) || a.i - b.i)
    .map((x) => x.f);
}
