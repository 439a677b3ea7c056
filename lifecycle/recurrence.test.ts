/**
 * §5.2 Frequencies and recurrence: next_due_date = (calendar date of the latest completed_at in
 * the request timezone of the completing request) + the frequency's interval; months clamp to the
 * last day of a shorter month. Every row completes a fresh task once, at a fixed backdated
 * instant, so its expected next_due_date is a constant read off the contract's table.
 */
import type { Actor } from '../fixtures/harness/actors.ts';
import { describe, expect, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';
import { expectStatus } from '../fixtures/harness/client/client.ts';
import { proves } from '../fixtures/harness/rules.ts';
import type { FrequencyName } from '../fixtures/oracles/next-due-date.ts';
import {
  postCompletion,
  createTask,
  readTask,
  LIFECYCLE_OPS,
} from '../fixtures/harness/factories.ts';
import {
  instantMismatch,
  sameInstantAtPrecision,
} from '../fixtures/models/task-lifecycle/dates.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(...FACTORY_OPS.user, ...FACTORY_OPS.residence, ...LIFECYCLE_OPS);

let owner: Actor;
let residenceId: number;

// the file's owner and residence (one `home` fixture per file, built only when a test runs)
if (suite.ok) {
  test.beforeAll(({ home }) => {
    owner = home.owner;
    residenceId = home.residence.id;
  });
}

interface Row {
  rule: string;
  frequency: FrequencyName;
  custom?: number;
  completedAt: string;
  timezone?: string;
  next: string | null;
  why: string;
}

const AT = '2024-03-10T12:00:00.000Z';

// prettier-ignore
const FREQUENCIES: Row[] = [
  { rule: 's5.2.freq.once',         frequency: 'once',         completedAt: AT, next: null,         why: 'once: no next due date' },
  { rule: 's5.2.freq.daily',        frequency: 'daily',        completedAt: AT, next: '2024-03-11', why: 'daily: +1 day' },
  { rule: 's5.2.freq.weekly',       frequency: 'weekly',       completedAt: AT, next: '2024-03-17', why: 'weekly: +7 days' },
  { rule: 's5.2.freq.biweekly',     frequency: 'biweekly',     completedAt: AT, next: '2024-03-24', why: 'biweekly: +14 days' },
  { rule: 's5.2.freq.monthly',      frequency: 'monthly',      completedAt: AT, next: '2024-04-10', why: 'monthly: +1 calendar month' },
  { rule: 's5.2.freq.quarterly',    frequency: 'quarterly',    completedAt: AT, next: '2024-06-10', why: 'quarterly: +3 months' },
  { rule: 's5.2.freq.semiannually', frequency: 'semiannually', completedAt: AT, next: '2024-09-10', why: 'semiannually: +6 months' },
  { rule: 's5.2.freq.annually',     frequency: 'annually',     completedAt: AT, next: '2025-03-10', why: 'annually: +12 months' },
  { rule: 's5.2.freq.annually',     frequency: 'annually',     completedAt: '2023-03-10T12:00:00.000Z', next: '2024-03-10', why: 'annually across a Feb 29: +12 months, not 365 days' },
  { rule: 's5.2.freq.custom',       frequency: 'custom', custom: 10,   completedAt: AT, next: '2024-03-20', why: 'custom 10: +10 days' },
  { rule: 's5.2.freq.custom',       frequency: 'custom', custom: 1,    completedAt: AT, next: '2024-03-11', why: 'custom 1: +1 day' },
  { rule: 's5.2.freq.custom',       frequency: 'custom', custom: 3650, completedAt: AT, next: '2034-03-08', why: 'custom 3650: +3650 days' },
  // calendar days, not 24-hour periods: a completion late in the day still counts its own date
  { rule: 's5.2.freq.daily',        frequency: 'daily',  completedAt: '2024-03-10T23:59:59.000Z', next: '2024-03-11', why: 'daily from 23:59:59: the next calendar day' },
  { rule: 's5.2.freq.weekly',       frequency: 'weekly', completedAt: '2024-12-28T08:00:00.000Z', next: '2025-01-04', why: 'weekly across a year end' },
  { rule: 's5.2.freq.daily',        frequency: 'daily',  completedAt: '2024-02-28T10:00:00.000Z', next: '2024-02-29', why: 'daily onto a leap day' },
];

// prettier-ignore
const MONTH_END: Row[] = [
  { rule: 's5.2.freq.month-clamp', frequency: 'monthly',      completedAt: '2024-01-31T12:00:00.000Z', next: '2024-02-29', why: 'Jan 31 + 1 month in a leap year = Feb 29' },
  { rule: 's5.2.freq.month-clamp', frequency: 'monthly',      completedAt: '2023-01-31T12:00:00.000Z', next: '2023-02-28', why: 'Jan 31 + 1 month in a common year = Feb 28' },
  { rule: 's5.2.freq.month-clamp', frequency: 'monthly',      completedAt: '2024-03-31T12:00:00.000Z', next: '2024-04-30', why: 'Mar 31 + 1 month = Apr 30' },
  { rule: 's5.2.freq.month-clamp', frequency: 'monthly',      completedAt: '2024-02-29T12:00:00.000Z', next: '2024-03-29', why: 'Feb 29 + 1 month = Mar 29 (no snapping to month end)' },
  { rule: 's5.2.freq.month-clamp', frequency: 'annually',     completedAt: '2024-02-29T12:00:00.000Z', next: '2025-02-28', why: 'Feb 29 + 12 months = Feb 28' },
  { rule: 's5.2.freq.month-clamp', frequency: 'quarterly',    completedAt: '2023-11-30T12:00:00.000Z', next: '2024-02-29', why: 'Nov 30 + 3 months = Feb 29 (leap)' },
  { rule: 's5.2.freq.month-clamp', frequency: 'semiannually', completedAt: '2024-08-31T12:00:00.000Z', next: '2025-02-28', why: 'Aug 31 + 6 months = Feb 28' },
  { rule: 's5.2.freq.month-clamp', frequency: 'semiannually', completedAt: '2023-08-31T12:00:00.000Z', next: '2024-02-29', why: 'Aug 31 + 6 months = Feb 29 (leap)' },
  { rule: 's5.2.freq.month-clamp', frequency: 'monthly',      completedAt: '2024-12-31T12:00:00.000Z', next: '2025-01-31', why: 'Dec 31 + 1 month = Jan 31 (next year)' },
];

// The same instant, 2024-01-31T23:30Z, is Jan 31 in UTC and Los Angeles but Feb 1 in Tokyo.
// prettier-ignore
const REQUEST_TIMEZONE: Row[] = [
  { rule: 's5.2.next-due.request-tz', frequency: 'monthly', completedAt: '2024-01-31T23:30:00.000Z', timezone: 'UTC',                 next: '2024-02-29', why: 'completed Jan 31 in UTC → Feb 29' },
  { rule: 's5.2.next-due.request-tz', frequency: 'monthly', completedAt: '2024-01-31T23:30:00.000Z', timezone: 'Asia/Tokyo',          next: '2024-03-01', why: 'completed Feb 1 in Tokyo → Mar 1' },
  { rule: 's5.2.next-due.request-tz', frequency: 'monthly', completedAt: '2024-01-31T23:30:00.000Z', timezone: 'America/Los_Angeles', next: '2024-02-29', why: 'completed Jan 31 in Los Angeles → Feb 29' },
  { rule: 's5.2.next-due.request-tz', frequency: 'daily',   completedAt: '2024-06-15T01:30:00.000+02:00', timezone: 'Europe/Berlin', next: '2024-06-16', why: 'an offset instant read in Berlin: Jun 15 → Jun 16' },
  { rule: 's5.2.next-due.request-tz', frequency: 'daily',   completedAt: '2024-06-15T01:30:00.000+02:00', timezone: 'UTC',           next: '2024-06-15', why: 'the same instant in UTC is Jun 14 → Jun 15' },
];

async function completeOnce(row: Row) {
  const task = await createTask(owner, residenceId, {
    frequency: row.frequency,
    customIntervalDays: row.custom,
  });
  const res = await postCompletion(owner, task.id, {
    completedAt: row.completedAt,
    timezone: row.timezone,
  });
  expectStatus(res, 201);
  // the instant sent, at the precision the target emits (§12)
  expect(
    sameInstantAtPrecision(res.body.completed_at, row.completedAt),
    instantMismatch(res.body.completed_at, row.completedAt),
  ).toBe(true);
  return readTask(owner, task.id);
}

suite('§5.2 next_due_date = date of completed_at + the frequency interval', () => {
  it.each(FREQUENCIES.map((r) => [r.why, r] as const))('%s', async (_why, row) => {
    proves(row.rule, 's5.2.next-due.latest');
    const task = await completeOnce(row);
    expect(task.next_due_date).toBe(row.next);
    expect(task.completion_count).toBe(1);
  });
});

suite('§5.2 adding months clamps to the last day of a shorter month', () => {
  it.each(MONTH_END.map((r) => [r.why, r] as const))('%s', async (_why, row) => {
    proves(row.rule);
    const task = await completeOnce(row);
    expect(task.next_due_date).toBe(row.next);
  });
});

suite('§5.2 the completion date is read in the request timezone of the completing request', () => {
  it.each(REQUEST_TIMEZONE.map((r) => [r.why, r] as const))('%s', async (_why, row) => {
    proves(row.rule);
    const task = await completeOnce(row);
    expect(task.next_due_date).toBe(row.next);
  });
});
