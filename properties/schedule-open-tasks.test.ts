/**
 * §6: the reminder schedule covers **open** tasks only (not archived, not cancelled, not done).
 * Deterministic: each test makes a fresh user (the schedule covers every residence the caller
 * can see) with one fresh residence, one open task due on D and one task due on D that is then
 * cancelled / archived / completed (one-time → done). D = today + 20 in a fixed zone, so the
 * window D−2 … D+9 (local midnights, 12 days) lies wholly in the future whatever the clock does
 * while the test runs. Expected: the open task's task_due_soon on D−1 and D and task_overdue on
 * D+1 … D+7 (at the user's preference hours, fire instants from the oracle), and no item at all
 * for the closed task.
 */
import type { Actor } from '../fixtures/harness/actors.ts';
import { describe, expect, it } from 'vitest';
import { api, expectStatus, failure, type ApiResponse } from '../fixtures/harness/client/client.ts';
import {
  complete,
  newResidence,
  newTask,
  newUser,
  staticIds,
  type Task,
} from '../fixtures/harness/factories.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { addDays, localDate } from '../fixtures/oracles/calendar.ts';
import {
  reminderSchedule,
  type NotificationPreferences,
  type ScheduleItem,
} from '../fixtures/oracles/reminder-schedule.ts';
import { fireInstant } from '../fixtures/oracles/wall-time.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...FACTORY_OPS.user,
  ...FACTORY_OPS.residence,
  ...FACTORY_OPS.task,
  ...FACTORY_OPS.completion,
  'archiveTask',
  'cancelTask',
  'getNotificationPreferences',
  'getNotificationSchedule',
);

/** A fixed zone without DST: local midnights and fire hours are plain offsets. */
const ZONE = 'Asia/Tokyo';
/** Guard band: D is far enough ahead that the whole window stays in the future. */
const DAYS_AHEAD = 20;

interface Setup {
  owner: Actor;
  open: Task;
  closed: Task;
  due: string;
}

/** A fresh user and residence with an open task and a second task, both due on D. */
async function twoTasksDueOnD(closedFields: Record<string, unknown> = {}): Promise<Setup> {
  const owner = await newUser({ name: 'schedule-open' });
  const residence = await newResidence(owner);
  const due = addDays(localDate(Date.now(), ZONE), DAYS_AHEAD);
  const open = await newTask(owner, residence.id, { due_date: due });
  const closed = await newTask(owner, residence.id, { due_date: due, ...closedFields });
  return { owner, open, closed, due };
}

interface Schedule {
  res: ApiResponse;
  items: ScheduleItem[];
  prefs: NotificationPreferences;
  from: number;
  to: number;
}

/** GET the schedule over local D−2 00:00 … D+10 00:00 (covering D−2 … D+9) in ZONE. */
async function scheduleAround(owner: Actor, due: string): Promise<Schedule> {
  const prefsRes = expectStatus(
    await api.call('getNotificationPreferences', { as: owner, timezone: ZONE }),
    200,
  );
  const prefs = prefsRes.body as NotificationPreferences;
  const from = fireInstant(addDays(due, -2), 0, ZONE);
  const to = fireInstant(addDays(due, 10), 0, ZONE);
  const res = expectStatus(
    await api.call('getNotificationSchedule', {
      as: owner,
      query: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
      timezone: ZONE,
    }),
    200,
  );
  return { res, items: res.body.items as ScheduleItem[], prefs, from, to };
}

/** An item as a line; fire_at in one spelling (§12 leaves an instant's precision open). */
const shape = (i: ScheduleItem): string =>
  `${i.kind} ${i.local_date} ${new Date(Date.parse(i.fire_at)).toISOString()}`;

/** The open task's reminders: exactly due-soon on D−1, D and overdue on D+1 … D+7 (per the oracle). */
function expectOpenTaskReminders(s: Schedule, setup: Setup): void {
  const { open, due } = setup;
  const got = s.items.filter((i) => i.task_id === open.id).map(shape);
  const expected = reminderSchedule(
    [
      {
        id: open.id,
        is_archived: false,
        is_cancelled: false,
        one_time: true,
        completion_count: 0,
        due_date: due,
        next_due_date: null,
      },
    ],
    s.prefs,
    ZONE,
    s.from,
    s.to,
  )
    .filter((i) => i.task_id === open.id)
    .map(shape);
  // the contract's days, independent of the oracle
  const days = (kind: string): string[] =>
    s.items.filter((i) => i.task_id === open.id && i.kind === kind).map((i) => i.local_date);
  const soon = s.prefs.task_reminders ? [addDays(due, -1), due] : [];
  const overdue = s.prefs.overdue_reminders
    ? [1, 2, 3, 4, 5, 6, 7].map((n) => addDays(due, n))
    : [];
  if (JSON.stringify(got) !== JSON.stringify(expected)) {
    throw failure(
      s.res,
      'schedule of an open task',
      `open task ${open.id} due ${due} (${ZONE}): expected\n  ${expected.join('\n  ')}\ngot\n  ${got.join('\n  ')}`,
    );
  }
  expect(got).toEqual(expected);
  expect(days('task_due_soon')).toEqual(soon);
  expect(days('task_overdue')).toEqual(overdue);
}

function expectNoItemsFor(s: Schedule, task: Task, state: string): void {
  const stray = s.items.filter((i) => i.task_id === task.id);
  if (stray.length > 0) {
    throw failure(
      s.res,
      `schedule excludes ${state} tasks`,
      `${state} task ${task.id} still has reminders:\n  ${stray.map(shape).join('\n  ')}`,
    );
  }
  expect(stray).toEqual([]);
}

suite('the reminder schedule covers open tasks only (§6)', () => {
  it('a cancelled task gets no reminders; an open task due the same day does', async () => {
    // expectOpenTaskReminders checks the open task's exact days, hours and local dates too
    proves(
      's6.schedule.excludes-cancelled',
      's6.due-soon.days',
      's6.overdue.days',
      's6.due-soon.hour',
      's6.overdue.hour',
      's6.local-date',
    );
    const setup = await twoTasksDueOnD();
    expectStatus(
      await api.call('cancelTask', { as: setup.owner, path: { id: setup.closed.id } }),
      200,
    );
    const s = await scheduleAround(setup.owner, setup.due);
    expectOpenTaskReminders(s, setup);
    expectNoItemsFor(s, setup.closed, 'cancelled');
  });

  it('an archived task gets no reminders; an open task due the same day does', async () => {
    proves('s6.schedule.excludes-archived');
    const setup = await twoTasksDueOnD();
    expectStatus(
      await api.call('archiveTask', { as: setup.owner, path: { id: setup.closed.id } }),
      200,
    );
    const s = await scheduleAround(setup.owner, setup.due);
    expectOpenTaskReminders(s, setup);
    expectNoItemsFor(s, setup.closed, 'archived');
  });

  it('a completed one-time task (done) gets no reminders; an open task due the same day does', async () => {
    proves('s6.schedule.excludes-done');
    const once = (await staticIds()).task_frequencies.once;
    const setup = await twoTasksDueOnD({ frequency_id: once });
    await complete(setup.owner, setup.closed.id, {}, { timezone: ZONE });
    const s = await scheduleAround(setup.owner, setup.due);
    expectOpenTaskReminders(s, setup);
    expectNoItemsFor(s, setup.closed, 'done');
  });
});
