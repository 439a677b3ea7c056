/**
 * Reminder schedule (§6) against the live target, over windows that span spring-forward,
 * fall-back and midnight-less days in random DST zones (transitions found by scanning offsets).
 * Only the digests and the reminders of the tasks a case created are judged, so tasks of other
 * cases (same user) never disturb a case.
 */
import type { Actor } from '../fixtures/harness/actors.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  expectError,
  expectStatus,
  type ApiResponse,
} from '../fixtures/harness/client/client.ts';
import { newResidence, newTask, newUser, staticIds } from '../fixtures/harness/factories.ts';
import { fc, fcAssert } from '../fixtures/harness/fc.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { hourArb, preferencesArb } from '../fixtures/arbitraries/domain.ts';
import { startOfLocalDay, transitionArb } from '../fixtures/arbitraries/instants.ts';
import {
  describeTransition,
  transitionHours,
  type Transition,
} from '../fixtures/arbitraries/transitions.ts';
import { zoneArb } from '../fixtures/arbitraries/zones.ts';
import { targetAcceptsZone } from '../fixtures/arbitraries/target-zones.ts';
import { addDays, daysBetween, localDate } from '../fixtures/oracles/calendar.ts';
import {
  compareItems,
  reminderSchedule,
  type NotificationPreferences,
  type ReminderKind,
  type ScheduleItem,
  type ScheduleTask,
} from '../fixtures/oracles/reminder-schedule.ts';
import { fireInstant, resolveWallTime } from '../fixtures/oracles/wall-time.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...FACTORY_OPS.user,
  ...FACTORY_OPS.residence,
  ...FACTORY_OPS.task,
  'createCompletion',
  'getTask',
  'getNotificationSchedule',
  'updateNotificationPreferences',
  'markInProgress',
  'cancelTask',
  'archiveTask',
);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = Date.now();
const range = { min: now - 365 * DAY, max: now + 365 * DAY };

const TASK_STATES = ['open_once', 'open_recurring', 'cancelled', 'archived', 'done'] as const;
type TaskState = (typeof TASK_STATES)[number];
const OPEN: readonly TaskState[] = ['open_once', 'open_recurring'];

interface Scenario {
  transition: Transition;
  startBefore: number;
  spanAfter: number;
  snapFrom: boolean;
  snapTo: boolean;
  prefs: NotificationPreferences;
  tasks: { dueShift: number; state: TaskState }[];
}

const scenarioArb = (over: Partial<Record<'snap' | 'allOn' | 'digest', boolean>> = {}) =>
  transitionArb(range, zoneArb({ dst: 2, southern: 2, midnightless: 3, fractional: 1 })).chain(
    (transition) =>
      fc.record({
        transition: fc.constant(transition),
        startBefore: fc.integer({ min: 0, max: 4 * DAY }),
        spanAfter: fc.integer({ min: 1, max: 4 * DAY }),
        snapFrom: over.snap ? fc.constant(true) : fc.boolean(),
        snapTo: over.snap ? fc.constant(true) : fc.boolean(),
        // Hours weighted towards the ones the transition skips or repeats.
        prefs: preferencesArb(
          fc.oneof(
            { arbitrary: hourArb(), weight: 1 },
            { arbitrary: fc.constantFrom(...transitionHours(transition)), weight: 2 },
          ),
        ).map((p) => ({
          ...p,
          ...(over.allOn
            ? { task_reminders: true, overdue_reminders: true, daily_digest: true }
            : {}),
          ...(over.digest ? { daily_digest: true } : {}),
        })),
        tasks: fc.array(
          fc.record({
            dueShift: fc.integer({ min: -9, max: 9 }),
            state: fc.oneof(
              { arbitrary: fc.constantFrom(...OPEN), weight: 3 },
              { arbitrary: fc.constantFrom(...TASK_STATES), weight: 1 },
            ),
          }),
          { maxLength: 4 },
        ),
      }),
  );

let owner: Actor;
let residenceId: number;
beforeAll(async () => {
  if (!suite.ok) return;
  owner = await newUser({ name: 'schedule' });
  residenceId = (await newResidence(owner)).id;
});

interface Outcome {
  zone: string;
  from: number;
  to: number;
  prefs: NotificationPreferences;
  tasks: (ScheduleTask & { state: TaskState })[];
  /** The target's items for the digests and this case's tasks. */
  items: ScheduleItem[];
  expected: ScheduleItem[];
  timezone: string;
  label: string;
}

function windowOf(s: Scenario): { from: number; to: number } {
  const zone = s.transition.zone;
  let from = s.transition.at - s.startBefore;
  let to = s.transition.at + s.spanAfter;
  // Snapping puts a window edge exactly on a digest fire instant (half-open window check).
  if (s.snapFrom) from = fireInstant(localDate(from, zone), s.prefs.daily_digest_hour, zone);
  if (s.snapTo) {
    const snapped = fireInstant(localDate(to, zone), s.prefs.daily_digest_hour, zone);
    if (snapped > from) to = snapped;
  }
  if (to <= from) to = from + HOUR;
  return { from, to };
}

async function run(s: Scenario): Promise<Outcome> {
  const zone = s.transition.zone;
  fc.pre(await targetAcceptsZone(owner, zone));
  const ids = await staticIds();
  const anchor = localDate(s.transition.at, zone);
  const tasks: Outcome['tasks'] = [];
  for (const t of s.tasks) {
    const due = addDays(anchor, t.dueShift);
    const once = t.state !== 'open_recurring';
    const task = await newTask(owner, residenceId, {
      due_date: due,
      frequency_id: ids.task_frequencies[once ? 'once' : 'weekly'],
    });
    const act = async (op: 'cancelTask' | 'archiveTask') =>
      expectStatus(await api.call(op, { as: owner, path: { id: task.id }, timezone: zone }), 200);
    if (t.state === 'cancelled') await act('cancelTask');
    if (t.state === 'archived') await act('archiveTask');
    if (t.state === 'done') {
      const res = await api.call('createCompletion', {
        as: owner,
        body: { task_id: task.id },
        timezone: zone,
      });
      expectStatus(res, 201);
    }
    tasks.push({
      id: task.id,
      state: t.state,
      is_archived: t.state === 'archived',
      is_cancelled: t.state === 'cancelled',
      one_time: once,
      completion_count: t.state === 'done' ? 1 : 0,
      due_date: due,
      next_due_date: null,
    });
  }
  expectStatus(await api.call('updateNotificationPreferences', { as: owner, body: s.prefs }), 200);
  const { from, to } = windowOf(s);
  const res = await api.call('getNotificationSchedule', {
    as: owner,
    query: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
    timezone: zone,
  });
  expectStatus(res, 200);
  const mine = new Set(tasks.map((t) => t.id));
  const items: ScheduleItem[] = (res.body.items as ScheduleItem[])
    .filter((i) => i.task_id === null || mine.has(i.task_id))
    .map(asOracleItem);
  return {
    zone,
    from,
    to,
    prefs: s.prefs,
    tasks,
    items,
    expected: reminderSchedule(tasks, s.prefs, zone, from, to),
    timezone: res.body.timezone,
    label: `${describeTransition(s.transition)}; window ${new Date(from).toISOString()} … ${new Date(to).toISOString()}`,
  };
}

const hourOf = (p: NotificationPreferences, kind: ReminderKind): number =>
  kind === 'daily_digest'
    ? p.daily_digest_hour
    : kind === 'task_due_soon'
      ? p.task_reminder_hour
      : p.overdue_reminder_hour;

const flagOf = (p: NotificationPreferences, kind: ReminderKind): boolean =>
  kind === 'daily_digest'
    ? p.daily_digest
    : kind === 'task_due_soon'
      ? p.task_reminders
      : p.overdue_reminders;

/**
 * An answered item as the oracle writes one: the four fields §6 lists (a target may add more,
 * §12) and fire_at in one spelling (§12 leaves an instant's precision open: `07:00:00Z` and
 * `07:00:00.000Z` are one instant).
 */
function asOracleItem(i: ScheduleItem): ScheduleItem {
  const at = Date.parse(i.fire_at);
  return {
    kind: i.kind,
    task_id: i.task_id,
    local_date: i.local_date,
    fire_at: Number.isFinite(at) ? new Date(at).toISOString() : i.fire_at,
  };
}

const key = (i: ScheduleItem) => `${i.kind}|${i.task_id}|${i.local_date}`;

/** Items only the target sent and items only the rules give, one a line. */
function diffItems(actual: ScheduleItem[], expected: ScheduleItem[]): string {
  const line = (i: ScheduleItem) => `${i.kind} task=${i.task_id} ${i.local_date} ${i.fire_at}`;
  const a = new Set(actual.map(line));
  const e = new Set(expected.map(line));
  const extra = [...a].filter((x) => !e.has(x)).map((x) => `  + target: ${x}`);
  const missing = [...e].filter((x) => !a.has(x)).map((x) => `  - rules:  ${x}`);
  return [...missing, ...extra].join('\n') || '  (same items, different order)';
}

/** Task reminders and overdue reminders on, the daily digest off: the schedule holds task items only. */
async function taskRemindersOnly(user: Actor): Promise<void> {
  const prefs = { task_reminders: true, overdue_reminders: true, daily_digest: false };
  expectStatus(await api.call('updateNotificationPreferences', { as: user, body: prefs }), 200);
}

/** The caller's schedule for the 62 days from `from` (epoch ms), read in UTC: a 200. */
async function utcSchedule62Days(user: Actor, from: number): Promise<ApiResponse> {
  const res = await api.call('getNotificationSchedule', {
    as: user,
    query: { from: new Date(from).toISOString(), to: new Date(from + 62 * DAY).toISOString() },
    timezone: 'UTC',
  });
  return expectStatus(res, 200);
}

suite('reminder schedule (§6) over DST transitions, against the live target', () => {
  it('the schedule is exactly the one the rules give', async () => {
    proves(
      's6.schedule.local-days',
      's6.schedule.effective-due',
      's6.local-date',
      's6.fire.local-time',
    );
    await fcAssert(
      fc.asyncProperty(scenarioArb(), async (s) => {
        const o = await run(s);
        expect(o.timezone).toBe(o.zone);
        expect(o.items, `${o.label}\n${diffItems(o.items, o.expected)}`).toEqual(o.expected);
      }),
      { name: 'schedule: equals the oracle', numRuns: 12 },
    );
  });

  it("every item fires at its kind's local hour, or that hour shifted forward by a gap, the earlier of a repeat", async () => {
    proves(
      's6.fire.local-time',
      's6.fire.spring-forward',
      's6.fire.fall-back',
      's6.digest.hour',
      's6.due-soon.hour',
      's6.overdue.hour',
    );
    await fcAssert(
      fc.asyncProperty(scenarioArb({ allOn: true }), async (s) => {
        const o = await run(s);
        for (const i of o.items) {
          const wall = resolveWallTime(i.local_date, hourOf(o.prefs, i.kind), 0, o.zone);
          // A shifted item may fire on the next calendar day (Scoresbysund skips 23:00–24:00),
          // so only an existing wall time must fall on local_date itself.
          if (wall.kind !== 'gap') {
            expect(localDate(i.fire_at, o.zone), `${o.label}: ${JSON.stringify(i)}`).toBe(
              i.local_date,
            );
          }
          expect(i.fire_at, `${o.label}: ${JSON.stringify(i)} (${wall.kind} wall time)`).toBe(
            new Date(wall.instant).toISOString(),
          );
        }
      }),
      { name: 'schedule: fire at the local hour', numRuns: 8 },
    );
  });

  it('there is exactly one daily digest per local day, 23- and 25-hour days included', async () => {
    proves('s6.digest.every-day', 's6.fire.fall-back');
    await fcAssert(
      fc.asyncProperty(scenarioArb({ digest: true }), async (s) => {
        const o = await run(s);
        const digests = o.items.filter((i) => i.kind === 'daily_digest');
        expect(new Set(digests.map((d) => d.local_date)).size, o.label).toBe(digests.length);
        expect(digests.every((d) => d.task_id === null)).toBe(true);
        // Every local day wholly inside the window has its digest.
        for (let d = localDate(o.from, o.zone); d <= localDate(o.to, o.zone); d = addDays(d, 1)) {
          if (startOfLocalDay(d, o.zone) < o.from || startOfLocalDay(addDays(d, 1), o.zone) > o.to)
            continue;
          expect(
            digests.filter((x) => x.local_date === d).length,
            `${o.label}: digest of ${d}`,
          ).toBe(1);
        }
      }),
      { name: 'schedule: one digest per local day', numRuns: 8 },
    );
  });

  it('due-soon reminders fall on E−1 and E, overdue ones on E+1 … E+7', async () => {
    proves('s6.due-soon.days', 's6.overdue.days');
    await fcAssert(
      fc.asyncProperty(scenarioArb({ allOn: true }), async (s) => {
        const o = await run(s);
        for (const i of o.items) {
          if (i.task_id === null) continue;
          const t = o.tasks.find((x) => x.id === i.task_id)!;
          const n = daysBetween(t.due_date!, i.local_date);
          if (i.kind === 'task_due_soon')
            expect([-1, 0], `${o.label}: E=${t.due_date} ${JSON.stringify(i)}`).toContain(n);
          else
            expect(n >= 1 && n <= 7, `${o.label}: E=${t.due_date} ${JSON.stringify(i)}`).toBe(true);
        }
        const taskKeys = (xs: ScheduleItem[]) =>
          xs
            .filter((i) => i.task_id !== null)
            .map(key)
            .sort();
        expect(taskKeys(o.items), o.label).toEqual(taskKeys(o.expected));
      }),
      { name: 'schedule: due-soon and overdue days', numRuns: 8 },
    );
  });

  it('no two items share (kind, task_id, local_date)', async () => {
    proves('s6.unique-items');
    await fcAssert(
      fc.asyncProperty(scenarioArb({ allOn: true }), async (s) => {
        const o = await run(s);
        const keys = o.items.map(key);
        expect(keys.length - new Set(keys).size, o.label).toBe(0);
      }),
      { name: 'schedule: no duplicates', numRuns: 6 },
    );
  });

  it('items are sorted by fire_at, then kind, then task_id', async () => {
    proves('s6.schedule.sorted');
    await fcAssert(
      fc.asyncProperty(scenarioArb({ allOn: true }), async (s) => {
        const o = await run(s);
        for (let k = 1; k < o.items.length; k++) {
          expect(
            compareItems(o.items[k - 1], o.items[k]),
            `${o.label}: items ${k - 1} and ${k}`,
          ).toBeLessThanOrEqual(0);
        }
      }),
      { name: 'schedule: sorted', numRuns: 6 },
    );
  });

  it('the window is half-open: an item firing at `from` is in, one firing at `to` is out', async () => {
    proves('s6.schedule.window');
    await fcAssert(
      fc.asyncProperty(scenarioArb({ snap: true, digest: true }), async (s) => {
        const o = await run(s);
        for (const i of o.items) {
          const at = Date.parse(i.fire_at);
          expect(at >= o.from && at < o.to, `${o.label}: ${JSON.stringify(i)}`).toBe(true);
        }
        // `from` is the digest instant of its local day: that digest is in.
        expect(
          o.items.some((i) => i.kind === 'daily_digest' && Date.parse(i.fire_at) === o.from),
          o.label,
        ).toBe(true);
      }),
      { name: 'schedule: half-open window', numRuns: 8 },
    );
  });

  it('a kind whose flag is off has no items', async () => {
    proves('s6.flag.task-reminders', 's6.flag.overdue-reminders', 's6.flag.daily-digest');
    await fcAssert(
      fc.asyncProperty(scenarioArb(), async (s) => {
        const off = (['daily_digest', 'task_due_soon', 'task_overdue'] as const).filter(
          (k) => !flagOf(s.prefs, k),
        );
        fc.pre(off.length > 0);
        const o = await run(s);
        for (const k of off)
          expect(
            o.items.filter((i) => i.kind === k),
            `${o.label}: ${k} is off`,
          ).toEqual([]);
        const allOn = {
          ...o.prefs,
          task_reminders: true,
          overdue_reminders: true,
          daily_digest: true,
        };
        // Not vacuous: with the flag on, the window would hold items of some disabled kind.
        fc.pre(
          reminderSchedule(o.tasks, allOn, o.zone, o.from, o.to).some((i) => off.includes(i.kind)),
        );
      }),
      { name: 'schedule: disabled kinds absent', numRuns: 8 },
    );
  });

  it('archived, cancelled and done tasks have no reminders', async () => {
    proves(
      's6.schedule.excludes-archived',
      's6.schedule.excludes-cancelled',
      's6.schedule.excludes-done',
    );
    await fcAssert(
      fc.asyncProperty(scenarioArb({ allOn: true }), async (s) => {
        const o = await run(s);
        const closed = o.tasks.filter((t) => !OPEN.includes(t.state));
        for (const t of closed) {
          expect(
            o.items.filter((i) => i.task_id === t.id),
            `${o.label}: ${t.state} task ${t.id}`,
          ).toEqual([]);
        }
      }),
      { name: 'schedule: closed tasks silent', numRuns: 8 },
    );
  });

  it('a window longer than 62 days, or with from ≥ to, is refused with 400', async () => {
    proves('s6.schedule.max-span', 's6.schedule.from-before-to');
    await fcAssert(
      fc.asyncProperty(
        fc.integer({ min: range.min, max: range.max }),
        fc.oneof(
          fc.integer({ min: 63 * DAY + 2 * HOUR, max: 400 * DAY }),
          fc.integer({ min: -400 * DAY, max: 0 }),
        ),
        zoneArb(),
        async (from, length, zone) => {
          fc.pre(await targetAcceptsZone(owner, zone));
          const res = await api.call('getNotificationSchedule', {
            as: owner,
            query: {
              from: new Date(from).toISOString(),
              to: new Date(from + length).toISOString(),
            },
            timezone: zone,
          });
          expectError(res, 400, 'validation_error');
        },
      ),
      { name: 'schedule: window refused', numRuns: 10 },
    );
  });

  it('answers {timezone, items: [{kind, task_id, local_date, fire_at}]}', async () => {
    proves('s6.schedule.shape');
    const user = await newUser({ name: 'schedule-shape' });
    const own = await newResidence(user);
    const allOn = { task_reminders: true, overdue_reminders: true, daily_digest: true };
    expectStatus(await api.call('updateNotificationPreferences', { as: user, body: allOn }), 200);
    await fcAssert(
      fc.asyncProperty(
        zoneArb(),
        fc.integer({ min: -3 * DAY, max: 3 * DAY }),
        fc.integer({ min: 2 * DAY, max: 62 * DAY }),
        async (zone, shift, span) => {
          fc.pre(await targetAcceptsZone(user, zone));
          const from = Date.now() + shift;
          // a task due the day after `from`: its due-soon reminder of that day is in the window
          await newTask(user, own.id, { due_date: addDays(localDate(from, zone), 1) });
          const res = await api.call('getNotificationSchedule', {
            as: user,
            query: { from: new Date(from).toISOString(), to: new Date(from + span).toISOString() },
            timezone: zone,
          });
          expectStatus(res, 200);
          expect(Object.keys(res.body)).toEqual(expect.arrayContaining(['timezone', 'items']));
          expect(res.body.timezone).toBe(zone);
          const items: ScheduleItem[] = res.body.items;
          expect(Array.isArray(items)).toBe(true);
          expect(items.some((i) => i.kind === 'daily_digest')).toBe(true);
          expect(items.some((i) => i.kind !== 'daily_digest')).toBe(true);
          for (const i of items) {
            const what = JSON.stringify(i);
            expect(Object.keys(i), what).toEqual(
              expect.arrayContaining(['fire_at', 'kind', 'local_date', 'task_id']),
            );
            expect(['daily_digest', 'task_due_soon', 'task_overdue'], what).toContain(i.kind);
            if (i.kind === 'daily_digest') expect(i.task_id, what).toBeNull();
            else expect(Number.isInteger(i.task_id) && (i.task_id as number) > 0, what).toBe(true);
            expect(i.local_date, what).toMatch(/^\d{4}-\d{2}-\d{2}$/);
            expect(i.fire_at, what).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
          }
        },
      ),
      { name: 'schedule: answer shape', numRuns: 8 },
    );
  });

  it('a window of exactly 62 days is accepted', async () => {
    proves('s6.schedule.max-span');
    const from = Date.UTC(2026, 0, 1);
    const res = await api.call('getNotificationSchedule', {
      as: owner,
      query: { from: new Date(from).toISOString(), to: new Date(from + 62 * DAY).toISOString() },
      timezone: 'UTC',
    });
    expectStatus(res, 200);
    expect(Array.isArray(res.body.items)).toBe(true);
  });

  // §6 "at most 62 days apart, else 400": 63 days is the nearest wrong neighbour of 62 (the random
  // lengths above start past 63 days). In UTC a day is 24 h, so counting days of 24 h or calendar
  // days of the request timezone (§2) gives 63 alike.
  it('a window of exactly 63 days is refused with 400', async () => {
    proves('s6.schedule.max-span');
    const from = Date.UTC(2026, 0, 1);
    const res = await api.call('getNotificationSchedule', {
      as: owner,
      query: { from: new Date(from).toISOString(), to: new Date(from + 63 * DAY).toISOString() },
      timezone: 'UTC',
    });
    expectError(res, 400, 'validation_error');
  });

  // §6 "`from < to` … else 400": from = to is the case that tells `<` from `≤`.
  it('a window with from = to is refused with 400', async () => {
    proves('s6.schedule.from-before-to');
    const at = new Date(Date.UTC(2026, 0, 1, 7)).toISOString();
    const res = await api.call('getNotificationSchedule', {
      as: owner,
      query: { from: at, to: at },
      timezone: 'UTC',
    });
    expectError(res, 400, 'validation_error');
  });

  it('items of different kinds come in fire_at order, not grouped by kind', async () => {
    proves('s6.schedule.sorted');
    const user = await newUser({ name: 'schedule-kinds' });
    const own = await newResidence(user);
    const prefs = {
      task_reminders: true,
      overdue_reminders: true,
      daily_digest: true,
      daily_digest_hour: 7,
      task_reminder_hour: 8,
      overdue_reminder_hour: 9,
    };
    expectStatus(await api.call('updateNotificationPreferences', { as: user, body: prefs }), 200);
    await newTask(user, own.id, { due_date: '2026-03-20' });
    const res = await utcSchedule62Days(user, Date.UTC(2026, 2, 18));
    const items = res.body.items as ScheduleItem[];
    // §6: a digest every day at 07:00, the task's due-soon pair at 08:00 (19th, 20th), its overdue
    // days at 09:00 (21st–27th): the digest of the 21st fires after the due-soon item of the 20th,
    // so sorting by kind first would put it before
    const firstTaskItem = items.findIndex((i) => i.kind !== 'daily_digest');
    expect(firstTaskItem, 'a task item in the window').toBeGreaterThanOrEqual(0);
    expect(
      items.slice(firstTaskItem).some((i) => i.kind === 'daily_digest'),
      'a digest after a task item',
    ).toBe(true);
    for (let k = 1; k < items.length; k++) {
      expect(
        Date.parse(items[k - 1].fire_at),
        `items ${k - 1} and ${k}: ${JSON.stringify(items.slice(k - 1, k + 1))}`,
      ).toBeLessThanOrEqual(Date.parse(items[k].fire_at));
    }
  });

  // §6 "over open tasks … with effective due date E", §5 "The effective due date is
  // next_due_date ?? due_date": a recurring task with a completion has both dates, and its
  // reminders follow next_due_date (the random cases above only have tasks without one).
  it('items that tie on fire_at and kind come in ascending task_id', async () => {
    proves('s6.schedule.sorted');
    const user = await newUser({ name: 'schedule-ties' });
    const own = await newResidence(user);
    await taskRemindersOnly(user);
    // three one-time tasks due the same day: each of their reminders fires at the same instants
    const tasks = [];
    for (let i = 0; i < 3; i += 1)
      tasks.push(await newTask(user, own.id, { due_date: '2026-03-20' }));
    const from = Date.UTC(2026, 2, 1);
    const res = await utcSchedule62Days(user, from);
    const items = res.body.items as ScheduleItem[];
    const ids = tasks.map((t) => t.id as number).sort((a, b) => a - b);
    const groups = new Map<string, number[]>();
    for (const i of items) {
      const key = `${i.fire_at} ${i.kind}`;
      groups.set(key, [...(groups.get(key) ?? []), i.task_id as number]);
    }
    const tied = [...groups.values()].filter((g) => g.length > 1);
    // §6: a due-soon pair and seven overdue days, each shared by the three tasks
    expect(tied.length, 'instants shared by the three tasks').toBe(9);
    for (const g of tied) expect(g).toEqual(ids);
  });

  it("a completed recurring task's reminders follow next_due_date, not due_date", async () => {
    proves('s6.schedule.effective-due');
    const user = await newUser({ name: 'schedule-effective-due' });
    const own = await newResidence(user);
    const ids = await staticIds();
    await taskRemindersOnly(user);
    const task = await newTask(user, own.id, {
      due_date: '2026-03-20',
      frequency_id: ids.task_frequencies.weekly,
    });
    const done = await api.call('createCompletion', {
      as: user,
      body: { task_id: task.id, completed_at: '2026-02-01T12:00:00Z' },
      timezone: 'UTC',
    });
    expectStatus(done, 201);
    const read = expectStatus(
      await api.call('getTask', { as: user, path: { id: task.id }, timezone: 'UTC' }),
      200,
    ).body;
    // §5.2 gives the completed recurring task a next_due_date; the case needs it to differ from
    // due_date (2026-02-01 + 7 days = 2026-02-08)
    const E: string = read.next_due_date;
    expect(E, 'next_due_date after a completion').toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(E, 'next_due_date differs from due_date').not.toBe(read.due_date);
    const from = Date.UTC(2026, 0, 25);
    const res = await utcSchedule62Days(user, from);
    const mine = (kind: ReminderKind) =>
      (res.body.items as ScheduleItem[])
        .filter((i) => i.task_id === task.id && i.kind === kind)
        .map((i) => i.local_date)
        .sort();
    expect(mine('task_due_soon'), `E = next_due_date = ${E}`).toEqual([addDays(E, -1), E]);
    expect(mine('task_overdue'), `E = next_due_date = ${E}`).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => addDays(E, n)),
    );
  });
});
