/**
 * Kanban categorisation (§5.3) and the request timezone (§2), fuzzed against the live target.
 * The expected column of every task comes from the categorise oracle applied to the facts the
 * contract implies for the steps the test took (never to the facts the target reports).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  expectError,
  expectStatus,
  type ApiResponse,
} from '../fixtures/harness/client/client.ts';
import type { Actor } from '../fixtures/harness/actors.ts';
import { newResidence, newUser, onceFrequencyId } from '../fixtures/harness/factories.ts';
import { fc, fcAssert } from '../fixtures/harness/fc.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { tagged } from '../fixtures/harness/run-id.ts';
import {
  buildPlannedTask,
  taskPlanArb,
  type BuiltTask,
  type TaskPlan,
} from '../fixtures/arbitraries/task-plans.ts';
import { ESTABLISHED_ZONES, zoneArb } from '../fixtures/arbitraries/zones.ts';
import { targetAcceptsZone, targetAcceptsZones } from '../fixtures/arbitraries/target-zones.ts';
import { addDays, localDate } from '../fixtures/oracles/calendar.ts';
import {
  categorise,
  DEFAULT_KANBAN_DAYS,
  KANBAN_COLUMNS,
  type KanbanColumn,
} from '../fixtures/oracles/categorise.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...FACTORY_OPS.user,
  ...FACTORY_OPS.residence,
  ...FACTORY_OPS.task,
  'listTasks',
  'updateMe',
);

let owner: Actor;
beforeAll(async () => {
  if (!suite.ok) return;
  owner = await newUser({ name: 'kanban-owner' });
});

interface Board {
  residenceId: number;
  zone: string;
  built: BuiltTask[];
}

/** A fresh residence with the planned tasks, due dates relative to today in `zone`. */
async function board(zone: string, plans: TaskPlan[]): Promise<Board> {
  const residence = await newResidence(owner);
  const today = localDate(Date.now(), zone);
  const built: BuiltTask[] = [];
  for (const plan of plans) {
    built.push(await buildPlannedTask(owner, residence.id, plan, zone, today));
  }
  return { residenceId: residence.id, zone, built };
}

interface Read {
  res: ApiResponse;
  /** Local dates of the request's first and last instants: the answer's today is one of them. */
  todays: Set<string>;
}

async function readKanban(
  as: Actor,
  opts: { zone?: string; residenceId?: number; days?: number; todayZone: string },
): Promise<Read> {
  const before = Date.now();
  const res = await api.call('listTasks', {
    as,
    query: { residence_id: opts.residenceId, days: opts.days },
    timezone: opts.zone,
  });
  const after = Date.now();
  expectStatus(res, 200);
  return {
    res,
    todays: new Set([localDate(before, opts.todayZone), localDate(after, opts.todayZone)]),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Column = { name: string; count: number; tasks: any[] };
const columnsOf = (res: ApiResponse): Column[] => res.body.columns;

const daysArb = fc.option(
  fc.oneof(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 365 })),
  { nil: undefined },
);
// Due dates cluster around today and the board's own `days` boundary.
const boardArb = daysArb.chain((days) =>
  fc.record({
    zone: zoneArb(),
    plans: fc.array(taskPlanArb(days ?? DEFAULT_KANBAN_DAYS), { minLength: 1, maxLength: 6 }),
    days: fc.constant(days),
  }),
);

/** Build the planned tasks in a fresh residence, then read its kanban in that zone. */
async function boardAndKanban(zone: string, plans: TaskPlan[], days: number | undefined) {
  const b = await board(zone, plans);
  const { res } = await readKanban(owner, {
    zone,
    residenceId: b.residenceId,
    days,
    todayZone: zone,
  });
  return { b, res };
}

/** A property over six random boards: `check` reads each board's kanban answer. */
function overBoards(name: string, check: (res: ApiResponse) => void): Promise<void> {
  return fcAssert(
    fc.asyncProperty(boardArb, async ({ zone, plans, days }) => {
      fc.pre(await targetAcceptsZone(owner, zone));
      check((await boardAndKanban(zone, plans, days)).res);
    }),
    { name, numRuns: 6 },
  );
}

/**
 * A fresh residence with two one-time tasks due on today + n and today + n + 1 (today in `zone`),
 * and its kanban read in `zone` with `days` (omitted when undefined). A case that straddles a
 * local midnight is built again (guard band, up to 3 times), never judged on the wrong today.
 */
async function aroundTheBoundary(zone: string, n: number, days: number | undefined) {
  for (let attempt = 1; ; attempt++) {
    const residence = await newResidence(owner);
    const today = localDate(Date.now(), zone);
    const mk = async (due: string) =>
      (
        await api.call('createTask', {
          as: owner,
          body: {
            frequency_id: await onceFrequencyId(),
            residence_id: residence.id,
            title: tagged(`boundary ${due}`),
            due_date: due,
          },
          timezone: zone,
        })
      ).body.id as number;
    const inside = await mk(addDays(today, n));
    const outside = await mk(addDays(today, n + 1));
    const { res } = await readKanban(owner, {
      zone,
      residenceId: residence.id,
      days,
      todayZone: zone,
    });
    if (res.body.today !== today && attempt < 3) continue;
    const col = (id: number) => columnsOf(res).find((c) => c.tasks.some((t) => t.id === id))?.name;
    return { today, res, col, inside, outside };
  }
}

suite('kanban (§5.3) against the live target', () => {
  it('every non-archived task of the residence is in exactly one column, archived ones in none', async () => {
    proves('s5.3.exactly-one', 's5.3.rule.archived', 's5.3.query.residence-filter');
    await fcAssert(
      fc.asyncProperty(boardArb, async ({ zone, plans, days }) => {
        fc.pre(await targetAcceptsZone(owner, zone));
        const { b, res } = await boardAndKanban(zone, plans, days);
        const seen = columnsOf(res).flatMap((c) => c.tasks.map((t) => t.id as number));
        const expected = b.built.filter((x) => !x.facts.is_archived).map((x) => x.task.id);
        expect([...seen].sort((x, y) => x - y)).toEqual([...expected].sort((x, y) => x - y));
      }),
      { name: 'kanban: exactly one column', numRuns: 6 },
    );
  });

  it('columns come in the contract order', async () => {
    proves('s5.3.columns.order');
    await overBoards('kanban: column order', (res) => {
      expect(columnsOf(res).map((c) => c.name)).toEqual([...KANBAN_COLUMNS]);
    });
  });

  it('each column count is its number of tasks', async () => {
    proves('s5.3.answer.count');
    await overBoards('kanban: column counts', (res) => {
      for (const c of columnsOf(res)) expect(c.count, c.name).toBe(c.tasks.length);
    });
  });

  it("each task sits in the column the rules give for the answer's today and days", async () => {
    proves(
      's5.3.first-match',
      's5.3.rule.cancelled',
      's5.3.rule.completed',
      's5.3.rule.in-progress',
      's5.3.rule.no-due',
      's5.3.rule.overdue',
      's5.3.rule.due-soon',
      's5.3.rule.upcoming',
      's5.3.kanban-column.list',
      's5.3.query.days-default',
    );
    await fcAssert(
      fc.asyncProperty(boardArb, async ({ zone, plans, days }) => {
        fc.pre(await targetAcceptsZone(owner, zone));
        const { b, res } = await boardAndKanban(zone, plans, days);
        const effectiveDays = days ?? DEFAULT_KANBAN_DAYS;
        expect(res.body.days_threshold).toBe(effectiveDays);
        const today: string = res.body.today;
        const where = new Map<number, { column: string; kanban: string }>();
        for (const c of columnsOf(res)) {
          for (const t of c.tasks) where.set(t.id, { column: c.name, kanban: t.kanban_column });
        }
        for (const x of b.built) {
          const expected: KanbanColumn | null = categorise(x.facts, today, effectiveDays);
          if (expected === null) continue;
          const why = JSON.stringify({
            today,
            days: effectiveDays,
            zone,
            plan: x.plan,
            facts: x.facts,
          });
          expect(where.get(x.task.id)?.column, `task ${x.task.id}: ${why}`).toBe(expected);
          expect(where.get(x.task.id)?.kanban, `kanban_column of ${x.task.id}: ${why}`).toBe(
            expected,
          );
        }
      }),
      { name: 'kanban: column per the rules', numRuns: 20 },
    );
  });

  it('today is the calendar date of the request instant in the request timezone', async () => {
    proves('s2.today', 's5.3.answer.today');
    await fcAssert(
      fc.asyncProperty(zoneArb(), async (zone) => {
        fc.pre(await targetAcceptsZone(owner, zone));
        const { res, todays } = await readKanban(owner, { zone, days: 1, todayZone: zone });
        expect(res.body.timezone).toBe(zone);
        expect([...todays]).toContain(res.body.today);
      }),
      { name: 'kanban: today in the request timezone', numRuns: 20 },
    );
  });

  it("today is the local date in a zone whose date is not UTC's date at the request", async (ctx) => {
    proves('s2.today', 's5.3.answer.today');
    // UTC−11 … UTC+14 span 25 h: at every instant one of these zones is on another date than UTC,
    // 30 min or more from its own midnight (the zone only decides whether a target
    // serving UTC's date is caught; the assertion is the contract's in any zone)
    const CANDIDATES = [
      'Pacific/Pago_Pago',
      'Pacific/Honolulu',
      'America/Anchorage',
      'Asia/Tokyo',
      'Pacific/Auckland',
      'Pacific/Kiritimati',
    ];
    const now = Date.now();
    const steady = (zone: string) =>
      [now - 1_800_000, now + 1_800_000].every((t) => localDate(t, zone) === localDate(now, zone));
    const apart = CANDIDATES.filter(
      (z) => steady(z) && localDate(now, z) !== localDate(now, 'UTC'),
    );
    expect(apart.length, 'a candidate zone on another date than UTC now').toBeGreaterThan(0);
    let zone: string | undefined;
    for (const z of apart) if (zone === undefined && (await targetAcceptsZone(owner, z))) zone = z;
    if (zone === undefined) {
      return ctx.skip(`the target's tz database lacks every one of ${apart.join(', ')}`);
    }
    const { res, todays } = await readKanban(owner, { zone, days: 1, todayZone: zone });
    expect(res.body.timezone).toBe(zone);
    expect([...todays]).toContain(res.body.today);
  });

  it('the days boundary is inclusive: due on today + days is due soon, one day later upcoming', async () => {
    proves('s5.3.rule.due-soon', 's5.3.rule.upcoming', 's2.calendar-days');
    await fcAssert(
      fc.asyncProperty(
        zoneArb(),
        fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 365 })),
        async (zone, days) => {
          fc.pre(await targetAcceptsZone(owner, zone));
          const { today, res, col, inside, outside } = await aroundTheBoundary(zone, days, days);
          expect(res.body.today).toBe(today);
          expect(col(inside), `due ${addDays(today, days)}, days=${days}`).toBe('due_soon');
          expect(col(outside), `due ${addDays(today, days + 1)}, days=${days}`).toBe('upcoming');
        },
      ),
      { name: 'kanban: days boundary inclusive', numRuns: 10 },
    );
  });

  it('without days the threshold is 30: due on today + 30 is due soon, today + 31 upcoming', async () => {
    proves('s5.3.query.days-default', 's5.3.rule.due-soon', 's5.3.rule.upcoming');
    const zone = 'UTC';
    const { today, res, col, inside, outside } = await aroundTheBoundary(
      zone,
      DEFAULT_KANBAN_DAYS,
      undefined,
    );
    expect(res.body.today).toBe(today);
    expect(res.body.days_threshold).toBe(DEFAULT_KANBAN_DAYS);
    expect(col(inside), `due ${addDays(today, DEFAULT_KANBAN_DAYS)}, no days`).toBe('due_soon');
    expect(col(outside), `due ${addDays(today, DEFAULT_KANBAN_DAYS + 1)}, no days`).toBe(
      'upcoming',
    );
  });

  it('days outside 1–365 is refused with 400', async () => {
    proves('s5.3.query.days-range');
    // the nearest wrong neighbours of 1 and 365 first, then random values further out
    for (const days of [0, 366]) {
      expectError(
        await api.call('listTasks', { as: owner, query: { days } }),
        400,
        'validation_error',
      );
    }
    await fcAssert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: -400, max: 0 }), fc.integer({ min: 366, max: 100_000 })),
        async (days) => {
          const res = await api.call('listTasks', { as: owner, query: { days } });
          expectError(res, 400, 'validation_error');
        },
      ),
      { name: 'kanban: days out of range', numRuns: 10 },
    );
  });
});

suite('request timezone (§2) against the live target', () => {
  // Kiritimati is UTC+14 and Pago Pago UTC−11: their calendar dates always differ by one day.
  const ahead = 'Pacific/Kiritimati';
  const behind = 'Pacific/Pago_Pago';

  it('X-Timezone beats the profile timezone', async () => {
    proves('s2.tz.header');
    const user = await newUser({ name: 'tz-header' });
    const residence = await newResidence(user);
    expectStatus(await api.call('updateMe', { as: user, body: { timezone: ahead } }), 200);
    // Due "today" in Pago Pago is already yesterday in Kiritimati. A case that straddles
    // Pago Pago's midnight is re-run.
    for (let attempt = 1; ; attempt++) {
      const todayBehind = localDate(Date.now(), behind);
      const task = await api.call('createTask', {
        as: user,
        body: {
          frequency_id: await onceFrequencyId(),
          residence_id: residence.id,
          title: tagged('due today in Pago Pago'),
          due_date: todayBehind,
        },
      });
      expectStatus(task, 201);
      const { res } = await readKanban(user, {
        zone: behind,
        residenceId: residence.id,
        days: 1,
        todayZone: behind,
      });
      if (res.body.today !== todayBehind && attempt < 3) continue;
      expect(res.body.timezone).toBe(behind);
      expect(res.body.today).toBe(todayBehind);
      const col = columnsOf(res).find((c) => c.tasks.some((t) => t.id === task.body.id))?.name;
      expect(col).toBe('due_soon');
      return;
    }
  });

  it('X-Timezone names the request timezone whatever the profile says', async () => {
    proves('s2.tz.header');
    const user = await newUser({ name: 'tz-header-fuzz' });
    await fcAssert(
      fc.asyncProperty(zoneArb(), zoneArb(), async (profile, header) => {
        fc.pre(await targetAcceptsZones(user, profile, header));
        expectStatus(await api.call('updateMe', { as: user, body: { timezone: profile } }), 200);
        const { res, todays } = await readKanban(user, {
          zone: header,
          days: 1,
          todayZone: header,
        });
        expect(res.body.timezone).toBe(header);
        expect([...todays]).toContain(res.body.today);
      }),
      { name: 'timezone: header beats profile', numRuns: 12 },
    );
  });

  it('without X-Timezone the profile timezone is the request timezone', async () => {
    proves('s2.tz.profile');
    const user = await newUser({ name: 'tz-profile' });
    const residence = await newResidence(user);
    expectStatus(await api.call('updateMe', { as: user, body: { timezone: ahead } }), 200);
    const todayBehind = localDate(Date.now(), behind);
    const task = await api.call('createTask', {
      as: user,
      body: {
        frequency_id: await onceFrequencyId(),
        residence_id: residence.id,
        title: tagged('due today in Pago Pago'),
        due_date: todayBehind,
      },
      timezone: behind,
    });
    expectStatus(task, 201);
    const { res, todays } = await readKanban(user, {
      residenceId: residence.id,
      days: 1,
      todayZone: ahead,
    });
    expect(res.body.timezone).toBe(ahead);
    expect([...todays]).toContain(res.body.today);
    // In Kiritimati that due date is yesterday.
    const col = columnsOf(res).find((c) => c.tasks.some((t) => t.id === task.body.id))?.name;
    expect(col).toBe('overdue');
  });

  it('every long-established IANA zone is accepted as X-Timezone (newer ones may be discarded)', async () => {
    // The zone arbitraries discard zones the target's tz database lacks; these never.
    for (const zone of ESTABLISHED_ZONES) {
      expect(await targetAcceptsZone(owner, zone), zone).toBe(true);
      const { res } = await readKanban(owner, { zone, days: 1, todayZone: zone });
      expect(res.body.timezone).toBe(zone);
    }
  });

  it('an unknown X-Timezone name is refused with 400', async () => {
    proves('s2.tz.unknown');
    const res = await api.call('listTasks', { as: owner, timezone: 'Mars/Olympus_Mons' });
    expectError(res, 400, 'validation_error');
  });
});
