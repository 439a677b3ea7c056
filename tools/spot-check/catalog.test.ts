/**
 * The fault catalog stays true to the contract and to the reference target (unit project): every
 * fault names known contract rules, and every edit's `find` occurs exactly once in the current
 * reference target, so a change to the target that makes a fault stale fails `npm test`.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertKnownRuleIds, loadRules } from '../../fixtures/harness/rules.ts';
import { applyEdits, REFERENCE_DIR } from './apply-fault.ts';
import { FAULTS } from './catalog.ts';
import {
  mergeReports,
  quantile,
  summarise,
  withoutUnconfirmedKills,
  longestFirst,
  type KillRow,
} from './kill-table.ts';
import {
  filesTagging,
  namePattern,
  ROOT,
  selectTests,
  splitByFile,
  type RuleCoverage,
} from './select.ts';

describe('the fault catalog', () => {
  it('has unique ids', () => {
    const ids = FAULTS.map((f) => f.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it.each(FAULTS.map((f) => [f.id, f] as const))('%s names known contract rules', (_, fault) => {
    expect(fault.rules.length).toBeGreaterThan(0);
    expect(() => assertKnownRuleIds(fault.rules)).not.toThrow();
    const untestable = fault.rules.filter((id) => loadRules().byId.get(id)?.untestable);
    expect(untestable).toEqual([]);
  });

  it.each(FAULTS.map((f) => [f.id, f] as const))(
    '%s applies to the current reference target (each find occurs exactly once)',
    (_, fault) => {
      for (const file of new Set(fault.edits.map((e) => e.file))) {
        const source = readFileSync(path.join(REFERENCE_DIR, file), 'utf8');
        const patched = applyEdits(fault, file, source);
        expect(patched).not.toBe(source);
      }
    },
  );

  it('covers every section of the contract (§1–§11)', () => {
    const sections = new Set(
      FAULTS.flatMap((f) => f.rules.map((id) => loadRules().byId.get(id)!.section.split('.')[0])),
    );
    for (let s = 1; s <= 11; s++) expect(sections, `§${s}`).toContain(String(s));
  });

  it('holds at least 80 faults', () => {
    expect(FAULTS.length).toBeGreaterThanOrEqual(80);
  });
});

describe('tier-1 selection', () => {
  const coverage = {
    rules: [
      {
        id: 's5.3.rule.due-soon',
        tests: [
          {
            name: 'properties/kanban-columns.test.ts > kanban > due (a > b) soon',
            project: 'properties',
            state: 'passed',
          },
          {
            name: 'properties/kanban-columns.test.ts > failing one',
            project: 'properties',
            state: 'failed',
          },
        ],
      },
    ],
  };

  it('names the passing tests of the rules from the coverage report', () => {
    const sel = selectTests(['s5.3.rule.due-soon'], coverage);
    expect(sel.source).toBe('coverage');
    expect(sel.files).toEqual(['properties/kanban-columns.test.ts']);
    expect(sel.tests).toEqual([
      { file: 'properties/kanban-columns.test.ts', name: 'kanban > due (a > b) soon' },
    ]);
    const re = new RegExp(namePattern(sel)!);
    expect(re.test('kanban due (a > b) soon')).toBe(true);
    expect(re.test('kanban due (a > b) soon later')).toBe(false);
  });

  it('runs whole a file that tags the rule where the report saw no test prove it (a newer test)', () => {
    const tagging = filesTagging('s5.1.unarchive.archived');
    expect(tagging.length).toBeGreaterThan(0);
    const [seen, ...newer] = tagging;
    const report: RuleCoverage = {
      rules: [
        {
          id: 's5.1.unarchive.archived',
          tests: [
            { name: `${seen} > a test the report saw`, project: 'lifecycle', state: 'passed' },
          ],
        },
      ],
    };
    const sel = selectTests(['s5.1.unarchive.archived'], report);
    expect(sel.tests).toEqual([{ file: seen, name: 'a test the report saw' }]);
    expect(sel.wholeFiles).toEqual([...newer].sort());
    expect(sel.source).toBe(newer.length > 0 ? 'coverage+tags' : 'coverage');
  });

  it('a file edited after the report was written runs whole (it may hold a test the report never saw)', () => {
    const [file] = filesTagging('s5.1.unarchive.archived');
    const report = (writtenAt: number): RuleCoverage => ({
      writtenAt,
      rules: [
        {
          id: 's5.1.unarchive.archived',
          tests: [
            { name: `${file} > a test the report saw`, project: 'lifecycle', state: 'passed' },
          ],
        },
      ],
    });
    const edited = statSync(path.join(ROOT, file)).mtimeMs;
    expect(
      selectTests(['s5.1.unarchive.archived'], report(edited + 1000)).wholeFiles,
    ).not.toContain(file);
    expect(selectTests(['s5.1.unarchive.archived'], report(edited - 1000)).wholeFiles).toContain(
      file,
    );
  });

  it('a report naming a file renamed since: the files tagging the rule run whole', () => {
    const report: RuleCoverage = {
      rules: [
        {
          id: 's5.1.unarchive.archived',
          tests: [{ name: 'lifecycle/gone.test.ts > old', project: 'lifecycle', state: 'passed' }],
        },
      ],
    };
    const sel = selectTests(['s5.1.unarchive.archived'], report);
    expect(sel.tests).toEqual([]);
    expect(sel.wholeFiles).toEqual(filesTagging('s5.1.unarchive.archived').sort());
    expect(sel.source).toBe('tags');
  });

  it('splits a selection by file into balanced parts that keep every test once', () => {
    const t = (file: string, name: string) => ({ file, name });
    const sel = {
      files: ['a.test.ts', 'b.test.ts', 'c.test.ts'],
      tests: [t('a.test.ts', '1'), t('a.test.ts', '2'), t('b.test.ts', '3'), t('c.test.ts', '4')],
      wholeFiles: [],
      unproven: [],
      source: 'coverage' as const,
    };
    const parts = splitByFile(sel, 2);
    expect(parts.map((p) => p.files)).toEqual([['a.test.ts'], ['b.test.ts', 'c.test.ts']]);
    expect(parts.flatMap((p) => p.tests)).toHaveLength(4);
    expect(splitByFile(sel, 5)).toHaveLength(3);
    expect(splitByFile(sel, 1)[0].tests).toEqual(sel.tests);
    // by time when known: c's slow test outweighs a's two quick ones
    const timed = splitByFile(
      sel,
      2,
      new Map([
        ['a.test.ts', 2],
        ['b.test.ts', 1],
        ['c.test.ts', 20],
      ]),
    );
    expect(timed.map((p) => p.files)).toEqual([['c.test.ts'], ['a.test.ts', 'b.test.ts']]);
  });

  it('falls back to the files that tag a rule the report does not know', () => {
    const sel = selectTests(['s5.1.unarchive.archived'], null);
    expect(sel.source).toBe('tags');
    expect(sel.wholeFiles.length).toBeGreaterThan(0);
    expect(namePattern(sel)).toBeNull();
  });
});

describe('kill reports', () => {
  const row = (fault: string, seconds: number, tier: 'rules' | 'full' | null): KillRow => ({
    fault,
    area: 'x',
    description: fault,
    verdict: tier ? 'killed' : 'survived',
    firstFailingTest: null,
    seconds,
    detail: null,
    tier,
  });

  it('takes nearest-rank quantiles', () => {
    expect(quantile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(quantile([], 0.5)).toBeNull();
  });

  it('reports the faults only the full run killed', () => {
    const r = summarise([row('a', 2, 'rules'), row('b', 9, 'full'), row('c', 4, null)], 20);
    expect(r.byTier).toEqual({ rules: 1, full: 1, survived: 1, error: 0 });
    expect(r.rulesTestsMissed).toEqual(['b']);
    expect(r.survived).toEqual(['c']);
  });

  it('the baseline after the faults: a kill whose test fails unpatched is an error naming why', () => {
    const by = (fault: string, test: string, tier: 'rules' | 'full'): KillRow => ({
      ...row(fault, 3, tier),
      firstFailingTest: test,
    });
    const rows = [
      by('a', 'lifecycle/x.test.ts > s > broken', 'rules'),
      by('b', 'lifecycle/x.test.ts > s > fine', 'rules'),
      by('c', 'authz/y.test.ts > s > any', 'rules'),
      by('d', 'lifecycle/x.test.ts > s > broken', 'full'),
    ];
    const out = withoutUnconfirmedKills(
      rows,
      new Map([
        ['lifecycle/x.test.ts > s > broken', 'fails unpatched'],
        ['authz/y.test.ts (file setup)', 'its file fails unpatched'],
      ]),
    );
    expect(out.map((r) => [r.fault, r.verdict, r.tier, r.detail])).toEqual([
      ['a', 'error', null, 'fails unpatched'],
      ['b', 'killed', 'rules', null],
      ['c', 'error', null, 'its file fails unpatched'],
      // confirmed one by one when it was made
      ['d', 'killed', 'full', null],
    ]);
  });

  it('runs the faults longest first by their last time, untimed ones first, ties in catalog order', () => {
    const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
    const faults = [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }, { id: 'e' }];
    expect(ids(longestFirst(faults, { a: 2, b: 9, c: 2, e: 4 }))).toEqual([
      'd',
      'b',
      'e',
      'a',
      'c',
    ]);
  });

  it('merges shard reports into one', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const os = await import('node:os');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'spot-merge-'));
    const a = path.join(dir, 'shard-1-of-2.json');
    const b = path.join(dir, 'shard-2-of-2.json');
    await writeFile(a, JSON.stringify(summarise([row('a', 2, 'rules')], 30, '1/2')));
    await writeFile(b, JSON.stringify(summarise([row('b', 4, 'rules')], 40, '2/2')));
    const merged = await mergeReports([a, b]);
    expect(merged.total).toBe(2);
    expect(merged.killed).toBe(2);
    expect(merged.wallSeconds).toBe(40);
    expect(merged.medianSecondsToKill).toBe(2);
    await expect(mergeReports([a, a])).rejects.toThrow(/two shards/);
  });
});
