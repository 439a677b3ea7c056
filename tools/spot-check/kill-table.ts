import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export type Verdict = 'killed' | 'survived' | 'error';

export interface KillRow {
  fault: string;
  area: string;
  description: string;
  verdict: Verdict;
  firstFailingTest: string | null;
  seconds: number;
  detail: string | null;
}

const escapeCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderTable(rows: KillRow[]): string {
  const killed = rows.filter((r) => r.verdict === 'killed').length;
  const lines = [
    `# Spot-check kill table`,
    ``,
    `${killed} of ${rows.length} faults killed.`,
    ``,
    `| fault | area | verdict | first failing test | seconds to kill |`,
    `|---|---|---|---|---|`,
    ...rows.map(
      (r) =>
        `| ${r.fault} | ${r.area} | ${r.verdict} | ${escapeCell(r.firstFailingTest ?? r.detail ?? '')} | ${r.verdict === 'killed' ? r.seconds.toFixed(1) : '-'} |`,
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
      `${r.fault.padEnd(w)}  ${r.verdict.padEnd(8)}  ${r.verdict === 'killed' ? `${r.seconds.toFixed(1)}s`.padStart(7) : '      -'}  ${(r.firstFailingTest ?? r.detail ?? '').slice(0, 110)}`,
  );
  return [`${'fault'.padEnd(w)}  verdict   seconds  first failing test`, ...out].join('\n');
}

export async function writeReports(dir: string, rows: KillRow[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'spot-check.md'), renderTable(rows));
  await writeFile(
    path.join(dir, 'spot-check.json'),
    JSON.stringify(
      {
        total: rows.length,
        killed: rows.filter((r) => r.verdict === 'killed').length,
        survived: rows.filter((r) => r.verdict === 'survived').map((r) => r.fault),
        errors: rows.filter((r) => r.verdict === 'error').map((r) => r.fault),
        rows,
      },
      null,
      2,
    ) + '\n',
  );
}
