/**
 * §5.3: `next_due_date` is computed from completions only – patching `due_date` leaves it.
 * Each case completes a fresh recurring task at a backdated instant (UTC request, so the
 * completion's calendar date is fixed), checks next_due_date = that date + the interval (§5.2),
 * then PATCHes due_date and expects next_due_date unchanged in the PATCH answer and on GET.
 */
import type { Actor } from '../fixtures/harness/actors.ts';
import { describe, expect, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';
import { api, expectStatus, failure, type ApiResponse } from '../fixtures/harness/client/client.ts';
import { complete, newTask } from '../fixtures/harness/factories.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { addDays, addMonths, localDate } from '../fixtures/oracles/calendar.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...FACTORY_OPS.user,
  ...FACTORY_OPS.residence,
  ...FACTORY_OPS.task,
  ...FACTORY_OPS.completion,
  'getTask',
  'updateTask',
);

const UTC = 'UTC';
const DAY = 86_400_000;

let owner: Actor;
let residenceId: number;
let frequencies: Readonly<Record<string, number>>;

// the file's owner and residence, and static data's ids (fixtures, built only when a test runs)
if (suite.ok) {
  test.beforeAll(({ home, staticIds }) => {
    owner = home.owner;
    residenceId = home.residence.id;
    frequencies = staticIds.task_frequencies;
  });
}

/** 12:00Z on the UTC calendar date `days` days before today: well in the past, never near midnight. */
function backdatedNoon(days: number): { date: string; instant: string } {
  const date = addDays(localDate(Date.now(), UTC), -days);
  return { date, instant: `${date}T12:00:00.000Z` };
}

function expectNextDue(res: ApiResponse, expected: string, what: string): void {
  if (res.body?.next_due_date !== expected) {
    throw failure(
      res,
      's5.3.next-due.from-completions',
      `${what}: expected next_due_date ${expected}, got ${JSON.stringify(res.body?.next_due_date)}`,
    );
  }
  expect(res.body.next_due_date).toBe(expected);
}

interface Case {
  frequency: 'weekly' | 'monthly';
  next: (completedOn: string) => string;
}

const CASES: Case[] = [
  { frequency: 'weekly', next: (d) => addDays(d, 7) },
  { frequency: 'monthly', next: (d) => addMonths(d, 1) },
];

suite('patching due_date leaves next_due_date (it comes from completions only)', () => {
  for (const c of CASES) {
    it(`${c.frequency}: PATCH due_date after a completion keeps next_due_date, and GET agrees`, async () => {
      proves('s5.3.next-due.from-completions');
      const today = localDate(Date.now(), UTC);
      const task = await newTask(owner, residenceId, {
        frequency_id: frequencies[c.frequency],
        due_date: addDays(today, 3),
      });
      const done = backdatedNoon(10);
      await complete(owner, task.id, { completed_at: done.instant }, { timezone: UTC });
      const expected = c.next(done.date);

      const before = expectStatus(
        await api.call('getTask', { as: owner, path: { id: task.id }, timezone: UTC }),
        200,
      );
      expectNextDue(before, expected, `after completing at ${done.instant}`);

      const newDue = addDays(today, 40);
      const patched = expectStatus(
        await api.call('updateTask', {
          as: owner,
          path: { id: task.id },
          body: { due_date: newDue },
          timezone: UTC,
        }),
        200,
      );
      expect(patched.body.due_date).toBe(newDue);
      expectNextDue(patched, expected, `PATCH due_date=${newDue} answer`);

      const after = expectStatus(
        await api.call('getTask', { as: owner, path: { id: task.id }, timezone: UTC }),
        200,
      );
      expectNextDue(after, expected, `GET after PATCH due_date=${newDue}`);
    });
  }

  it('weekly: PATCH due_date to null after a completion keeps next_due_date', async () => {
    proves('s5.3.next-due.from-completions');
    const task = await newTask(owner, residenceId, {
      frequency_id: frequencies.weekly,
      due_date: localDate(Date.now() + 5 * DAY, UTC),
    });
    const done = backdatedNoon(12);
    await complete(owner, task.id, { completed_at: done.instant }, { timezone: UTC });
    const expected = addDays(done.date, 7);
    const patched = expectStatus(
      await api.call('updateTask', {
        as: owner,
        path: { id: task.id },
        body: { due_date: null },
        timezone: UTC,
      }),
      200,
    );
    expectNextDue(patched, expected, 'PATCH due_date=null answer');
    const after = expectStatus(
      await api.call('getTask', { as: owner, path: { id: task.id }, timezone: UTC }),
      200,
    );
    expectNextDue(after, expected, 'GET after PATCH due_date=null');
  });
});

describe('changing the frequency or the interval recomputes next_due_date from the latest completion', () => {
  it('weekly → monthly → custom 3 → custom 5: each PATCH answers the new interval from the completion date', async () => {
    proves('s5.3.next-due.frequency-change', 's5.3.next-due.interval-change');
    const task = await newTask(owner, residenceId, { frequency_id: frequencies.weekly });
    const done = backdatedNoon(10);
    await complete(owner, task.id, { completed_at: done.instant }, { timezone: UTC });
    const steps: [Record<string, unknown>, string][] = [
      [{ frequency_id: frequencies.monthly }, addMonths(done.date, 1)],
      [{ frequency_id: frequencies.custom, custom_interval_days: 3 }, addDays(done.date, 3)],
      [{ custom_interval_days: 5 }, addDays(done.date, 5)],
    ];
    for (const [body, expected] of steps) {
      const patched = expectStatus(
        await api.call('updateTask', { as: owner, path: { id: task.id }, body, timezone: UTC }),
        200,
      );
      expectNextDue(patched, expected, `PATCH ${JSON.stringify(body)} answer`);
    }
  });
});
