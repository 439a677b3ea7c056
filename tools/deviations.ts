/**
 * npm run deviations -- write [--file known-deviations.yaml] [--findings reports/findings.json] [--prune|--keep-stale] [--days 90]
 * npm run deviations -- list
 *
 * `write` writes or updates the known-deviations file (known-deviations.ts) from the last run's
 * findings (reports/findings.json): every finding listed once; the reasons, links and dates of
 * entries already there are kept; new entries get a TODO reason and an expiry date. Entries no
 * finding matched are removed when the last run was complete (the file shrinks as deviations
 * are fixed), kept after a partial run (`--prune` / `--keep-stale` override).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { FindingsReport } from '../fixtures/harness/run/findings-reporter.ts';
import {
  loadKnownDeviations,
  updatedEntries,
  writeKnownDeviations,
} from '../fixtures/harness/findings/known-deviations.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    file: { type: 'string' },
    findings: { type: 'string' },
    prune: { type: 'boolean', default: false },
    'keep-stale': { type: 'boolean', default: false },
    days: { type: 'string', default: '90' },
  },
});

const command = positionals[0] ?? 'list';
const findingsFile = path.resolve(
  args.findings ??
    path.join(process.env.CASERA_REPORTS_DIR ?? path.join(ROOT, 'reports'), 'findings.json'),
);

function lastRun(): FindingsReport {
  if (!existsSync(findingsFile)) {
    console.error(`[casera] ${findingsFile} does not exist: run the suite first (npm test)`);
    process.exit(2);
  }
  return JSON.parse(readFileSync(findingsFile, 'utf8')) as FindingsReport;
}

if (command === 'write') {
  const run = lastRun();
  const known = loadKnownDeviations(args.file);
  const prune = args['keep-stale'] ? false : args.prune || run.complete_run;
  const { entries, added, kept, removed } = updatedEntries(known.entries, run.findings, {
    prune,
    expiresInDays: Number(args.days),
  });
  writeKnownDeviations(known.path, entries);
  console.log(
    `[casera] ${path.relative(process.cwd(), known.path) || known.path}: ${entries.length} entr(ies) – ` +
      `${added} added, ${kept} kept, ${removed} removed` +
      (prune
        ? ''
        : ` (stale entries kept: ${run.complete_run ? '--keep-stale' : 'the last run was partial'})`),
  );
  if (added)
    console.log('[casera] fill in `reason` and `link` of the new entries, then commit the file');
} else if (command === 'list') {
  const known = loadKnownDeviations(args.file);
  console.log(
    `${known.path}${known.exists ? '' : ' (no such file)'}: ${known.entries.length} entr(ies)`,
  );
  for (const e of known.entries) {
    console.log(
      `- ${e.signature}\n    ${e.reason}${e.link ? ` (${e.link})` : ''}${e.expires ? ` · expires ${e.expires}` : ''}`,
    );
  }
} else {
  console.error(`unknown command ${command}: use write or list`);
  process.exit(2);
}
