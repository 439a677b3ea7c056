/**
 * The kanban answer (§5.3) beyond the column rules (properties/kanban-columns.test.ts): its
 * shape, which tasks it holds (exactly those the caller can see), the archived list,
 * `kanban_column` of an archived task, and `next_due_date` when `custom_interval_days` changes.
 * Expected values come from the contract and the oracles; every zone a case uses is one the
 * target accepts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { api, expectStatus, type ApiResponse } from '../fixtures/harness/client/client.ts';
import type { Actor } from '../fixtures/harness/actors.ts';
import {
  newResidence,
  newTask,
  newUser,
  staticIds,
  world,
  type World,
} from '../fixtures/harness/factories.ts';
import { fc, fcAssert } from '../fixtures/harness/fc.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { instantNearLocalMidnightArb } from '../fixtures/arbitraries/instants.ts';
import { targetAcceptsZone } from '../fixtures/arbitraries/target-zones.ts';
import { buildPlannedTask, taskPlanArb } from '../fixtures/arbitraries/task-plans.ts';
import { zoneArb } from '../fixtures/arbitraries/zones.ts';
import { localDate } from '../fixtures/oracles/calendar.ts';
import { KANBAN_COLUMNS } from '../fixtures/oracles/categorise.ts';
import { nextDueFromCompletions } from '../fixtures/oracles/next-due-date.ts';
import { wholeSecond } from '../fixtures/models/task-lifecycle/dates.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS, WORLD_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...WORLD_OPS,
  ...FACTORY_OPS.task,
  'archiveTask',
  'createCompletion',
  'getTask',
  'listArchivedTasks',
  'listTasks',
  'unarchiveTask',
  'updateTask',
);

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

let owner: Actor;
beforeAll(async () => {
  if (!suite.ok) return;
  owner = await newUser({ name: 'kanban-answer' });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Column = { name: string; count: number; tasks: any[] };

const idsOnBoard = (res: ApiResponse): number[] =>
  (res.body.columns as Column[]).flatMap((c) => c.tasks.map((t) => t.id as number)).sort(byNum);
const byNum = (a: number, b: number) => a - b;

async function board(as: Actor, query: Record<string, number | undefined> = {}) {
  return expectStatus(await api.call('listTasks', { as, query }), 200);
}

async function archivedIds(as: Actor, query: Record<string, number | undefined> = {}) {
  const res = expectStatus(await api.call('listArchivedTasks', { as, query }), 200);
  expect(Array.isArray(res.body), 'GET /api/tasks/archived/ answers a plain array').toBe(true);
  return (res.body as { id: number }[]).map((t) => t.id).sort(byNum);
}

suite('kanban answer (§5.3)', () => {
  it('answers {days_threshold, timezone, today, columns: [{name, count, tasks}]}', async () => {
    proves('s5.3.answer.shape');
    await fcAssert(
      fc.asyncProperty(
        zoneArb(),
        fc.option(fc.integer({ min: 1, max: 365 }), { nil: undefined }),
        fc.array(taskPlanArb(), { maxLength: 3 }),
        async (zone, days, plans) => {
          fc.pre(await targetAcceptsZone(owner, zone));
          const residence = await newResidence(owner);
          const today = localDate(Date.now(), zone);
          for (const plan of plans) {
            await buildPlannedTask(owner, residence.id, plan, zone, today);
          }
          const res = await api.call('listTasks', {
            as: owner,
            query: { residence_id: residence.id, days },
            timezone: zone,
          });
          expectStatus(res, 200);
          const b = res.body;
          expect(Object.keys(b)).toEqual(
            expect.arrayContaining(['days_threshold', 'timezone', 'today', 'columns']),
          );
          expect(Number.isInteger(b.days_threshold)).toBe(true);
          expect(typeof b.timezone).toBe('string');
          expect(b.today).toMatch(ISO_DATE);
          expect(Array.isArray(b.columns)).toBe(true);
          expect((b.columns as Column[]).map((c) => c.name)).toEqual([...KANBAN_COLUMNS]);
          for (const c of b.columns as Column[]) {
            expect(Object.keys(c), c.name).toEqual(
              expect.arrayContaining(['name', 'count', 'tasks']),
            );
            expect(Number.isInteger(c.count), c.name).toBe(true);
            expect(Array.isArray(c.tasks), c.name).toBe(true);
            for (const t of c.tasks) {
              expect(t).toMatchObject({ residence_id: residence.id, kanban_column: c.name });
              expect(Number.isInteger(t.id)).toBe(true);
            }
          }
        },
      ),
      { name: 'kanban: answer shape', numRuns: 8 },
    );
  });

  it('holds every non-archived task the caller can see and no other', async () => {
    proves('s5.3.visible-only');
    await fcAssert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('residence', 'foreign', 'both'), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (where, filtered) => {
          const w: World = await world();
          const own: number[] = [];
          const foreign: number[] = [];
          for (const place of where) {
            if (place !== 'foreign') own.push((await newTask(w.member, w.residence)).id);
            if (place !== 'residence') foreign.push((await newTask(w.stranger, w.foreign)).id);
          }
          // an archived task of each residence is in no column (§5.3 rule 1)
          for (const [as, r] of [
            [w.owner, w.residence],
            [w.stranger, w.foreign],
          ] as const) {
            const t = await newTask(as, r);
            expectStatus(await api.call('archiveTask', { as, path: { id: t.id } }), 200);
          }
          const q = (id: number) => (filtered ? { residence_id: id } : {});
          const sorted = (xs: number[]) => [...xs].sort(byNum);
          expect(idsOnBoard(await board(w.owner, q(w.residence.id))), 'owner').toEqual(sorted(own));
          expect(idsOnBoard(await board(w.member, q(w.residence.id))), 'member').toEqual(
            sorted(own),
          );
          expect(idsOnBoard(await board(w.stranger, q(w.foreign.id))), 'stranger').toEqual(
            sorted(foreign),
          );
          if (!filtered) {
            expect(idsOnBoard(await board(w.removed)), 'removed member').toEqual([]);
          }
        },
      ),
      { name: 'kanban: visible tasks only', numRuns: 5 },
    );
  });

  it('GET /api/tasks/archived/ lists exactly the archived tasks the caller can see', async () => {
    proves('s5.3.archived-list');
    const w: World = await world();
    const plans = [
      { as: w.owner, r: w.residence, archive: true, state: null },
      { as: w.member, r: w.residence, archive: true, state: 'cancelTask' },
      { as: w.owner, r: w.residence, archive: true, state: 'markInProgress' },
      { as: w.owner, r: w.residence, archive: false, state: null },
      { as: w.member, r: w.residence, archive: false, state: 'cancelTask' },
      { as: w.stranger, r: w.foreign, archive: true, state: null },
    ] as const;
    const made: { id: number; residence: number; archived: boolean }[] = [];
    for (const p of plans) {
      const t = await newTask(p.as, p.r);
      if (p.state) expectStatus(await api.call(p.state, { as: p.as, path: { id: t.id } }), 200);
      if (p.archive) {
        expectStatus(await api.call('archiveTask', { as: p.as, path: { id: t.id } }), 200);
      }
      made.push({ id: t.id, residence: p.r.id, archived: p.archive });
    }
    const expected = (residence: number) =>
      made
        .filter((m) => m.archived && m.residence === residence)
        .map((m) => m.id)
        .sort(byNum);
    expect(await archivedIds(w.owner), 'owner').toEqual(expected(w.residence.id));
    expect(await archivedIds(w.member), 'member').toEqual(expected(w.residence.id));
    expect(await archivedIds(w.stranger), 'stranger').toEqual(expected(w.foreign.id));
    expect(await archivedIds(w.removed), 'removed member').toEqual([]);
    // unarchived, a task leaves the list (and is back on the board)
    const back = expected(w.residence.id)[0];
    expectStatus(await api.call('unarchiveTask', { as: w.owner, path: { id: back } }), 200);
    expect(await archivedIds(w.owner)).toEqual(expected(w.residence.id).filter((x) => x !== back));
    expect(idsOnBoard(await board(w.owner))).toContain(back);
  });

  it('GET /api/tasks/{id}/ of an archived task carries kanban_column null, whatever its state', async () => {
    proves('s5.3.kanban-column.archived');
    const residence = await newResidence(owner);
    await fcAssert(
      fc.asyncProperty(
        taskPlanArb().map((p) => ({ ...p, archived: true })),
        async (plan) => {
          const today = localDate(Date.now(), 'UTC');
          const built = await buildPlannedTask(owner, residence.id, plan, 'UTC', today);
          const res = await api.call('getTask', { as: owner, path: { id: built.task.id } });
          expectStatus(res, 200);
          expect(res.body.is_archived).toBe(true);
          expect(res.body.kanban_column, JSON.stringify(plan)).toBeNull();
          // unarchived again, it is back in a column
          const back = await api.call('unarchiveTask', { as: owner, path: { id: built.task.id } });
          expectStatus(back, 200);
          expect(KANBAN_COLUMNS).toContain(back.body.kanban_column);
        },
      ),
      { name: 'kanban: archived kanban_column null', numRuns: 10 },
    );
  });
});

suite('next_due_date when custom_interval_days changes (§5.3)', () => {
  const now = Date.now();
  const past = { min: now - 400 * 86_400_000, max: now - 15 * 60_000 };
  const caseArb = zoneArb().chain((zone) =>
    fc.record({
      zone: fc.constant(zone),
      before: fc.integer({ min: 1, max: 3650 }),
      after: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 3650 })),
      instants: fc.array(
        instantNearLocalMidnightArb(past, { zone: fc.constant(zone) }).map((x) =>
          wholeSecond(x.instant),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  );

  it('is recomputed from the latest completion with the new interval', async () => {
    proves('s5.3.next-due.interval-change');
    const residence = await newResidence(owner);
    const custom = (await staticIds()).task_frequencies.custom;
    await fcAssert(
      fc.asyncProperty(caseArb, async ({ zone, before, after, instants }) => {
        fc.pre(before !== after);
        fc.pre(await targetAcceptsZone(owner, zone));
        const task = await newTask(owner, residence.id, {
          frequency_id: custom,
          custom_interval_days: before,
        });
        const done: { completed_at: number; zone: string }[] = [];
        for (const instant of instants) {
          const res = await api.call('createCompletion', {
            as: owner,
            body: { task_id: task.id, completed_at: new Date(instant).toISOString() },
            timezone: zone,
          });
          expectStatus(res, 201);
          done.push({ completed_at: instant, zone });
        }
        const patched = await api.call('updateTask', {
          as: owner,
          path: { id: task.id },
          body: { custom_interval_days: after },
          timezone: zone,
        });
        expectStatus(patched, 200);
        const expected = nextDueFromCompletions(
          { name: 'custom', custom_interval_days: after },
          done,
        );
        const why = `interval ${before} → ${after} in ${zone}; completions ${done
          .map((d) => new Date(d.completed_at).toISOString())
          .join(', ')}`;
        expect(patched.body.custom_interval_days).toBe(after);
        expect(patched.body.next_due_date, why).toBe(expected);
        const read = await api.call('getTask', {
          as: owner,
          path: { id: task.id },
          timezone: zone,
        });
        expectStatus(read, 200);
        expect(read.body.next_due_date, why).toBe(expected);
      }),
      { name: 'kanban: interval change recomputes next_due_date', numRuns: 15 },
    );
  });
});
