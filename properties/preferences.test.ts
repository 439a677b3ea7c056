/**
 * Notification preferences (§6): a new user's defaults (the contract's values, the hours taken
 * from TASK_REMINDER_HOUR / OVERDUE_REMINDER_HOUR / DAILY_DIGEST_HOUR, which the harness reads
 * under the same names as the worker), random PATCHes applied field by field, and the 0–23 hour
 * range. Every case uses users of its own: preferences are per user.
 */
import type { Actor } from '../fixtures/harness/actors.ts';
import { describe, expect, it } from 'vitest';
import { api, expectError, expectStatus } from '../fixtures/harness/client/client.ts';
import { limits } from '../fixtures/harness/config.ts';
import { newUser } from '../fixtures/harness/factories.ts';
import { fc, fcAssert } from '../fixtures/harness/fc.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { hourArb, preferencesArb } from '../fixtures/arbitraries/domain.ts';
import {
  DEFAULT_PREFERENCES,
  type NotificationPreferences,
} from '../fixtures/oracles/reminder-schedule.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...FACTORY_OPS.user,
  'getNotificationPreferences',
  'updateNotificationPreferences',
);

const HOUR_FIELDS = ['task_reminder_hour', 'overdue_reminder_hour', 'daily_digest_hour'] as const;
const FLAG_FIELDS = ['task_reminders', 'overdue_reminders', 'daily_digest'] as const;
const FIELDS = [...FLAG_FIELDS, ...HOUR_FIELDS] as const;

/** The hour env names of §6 and the harness's reading of them (same names, same defaults). */
const ENV_HOURS = [
  { env: 'TASK_REMINDER_HOUR', field: 'task_reminder_hour', value: limits.taskReminderHour },
  {
    env: 'OVERDUE_REMINDER_HOUR',
    field: 'overdue_reminder_hour',
    value: limits.overdueReminderHour,
  },
  { env: 'DAILY_DIGEST_HOUR', field: 'daily_digest_hour', value: limits.dailyDigestHour },
] as const;

const envIsSet = (name: string) => (process.env[name] ?? '') !== '';

/** A newly registered user (a timezone forces registration even with CASERA_USERS). */
const freshUser = (name: string) => newUser({ name, timezone: 'UTC' });

async function readPrefs(as: Actor): Promise<NotificationPreferences> {
  return expectStatus(await api.call('getNotificationPreferences', { as }), 200).body;
}

suite('notification preferences (§6)', () => {
  it("a new user's preferences are the contract's defaults: every flag on, hours 8 / 9 / 7", async () => {
    proves('s6.prefs.defaults');
    // The contract's literal hours hold when the worker's hour variables are unset; a run that
    // sets them expects those values instead (s6.prefs.env-defaults).
    const expected: NotificationPreferences = { ...DEFAULT_PREFERENCES };
    for (const h of ENV_HOURS) if (envIsSet(h.env)) expected[h.field] = h.value;
    const user = await freshUser('prefs-defaults');
    const prefs = await readPrefs(user);
    // the fields §6 lists, with its defaults (a target may answer more fields, §12)
    expect(Object.keys(prefs)).toEqual(expect.arrayContaining([...FIELDS]));
    expect(prefs).toMatchObject(expected);
  });

  it('the default hours are TASK_REMINDER_HOUR, OVERDUE_REMINDER_HOUR and DAILY_DIGEST_HOUR', async () => {
    proves('s6.prefs.env-defaults');
    const user = await freshUser('prefs-env');
    const prefs = await readPrefs(user);
    for (const h of ENV_HOURS) {
      expect(
        prefs[h.field],
        `${h.field} defaults to ${h.env}=${h.value}${envIsSet(h.env) ? '' : ' (unset: default)'}`,
      ).toBe(h.value);
    }
  });

  it('PATCH changes exactly the fields sent, answers and keeps the result, per user', async () => {
    proves('s6.prefs.patch');
    const patchArb = preferencesArb().chain((full) =>
      fc
        .subarray([...FIELDS], { minLength: 1 })
        .map((keys) => Object.fromEntries(keys.map((k) => [k, full[k]]))),
    );
    await fcAssert(
      fc.asyncProperty(fc.array(patchArb, { minLength: 1, maxLength: 4 }), async (patches) => {
        const [user, bystander] = await Promise.all([
          newUser({ name: 'prefs-patch' }),
          newUser({ name: 'prefs-bystander' }),
        ]);
        const untouched = await readPrefs(bystander);
        let expected = await readPrefs(user);
        for (const patch of patches) {
          expected = { ...expected, ...patch };
          const res = await api.call('updateNotificationPreferences', { as: user, body: patch });
          expectStatus(res, 200);
          expect(res.body, `after PATCH ${JSON.stringify(patch)}`).toEqual(expected);
          expect(await readPrefs(user)).toEqual(expected);
        }
        expect(await readPrefs(bystander), "another user's preferences").toEqual(untouched);
      }),
      { name: 'preferences: patch merges', numRuns: 10 },
    );
  });

  it('every hour 0–23 is accepted', async () => {
    proves('s6.prefs.hours-range');
    const user = await newUser({ name: 'prefs-hours' });
    await fcAssert(
      fc.asyncProperty(
        fc.constantFrom(...HOUR_FIELDS),
        fc.oneof(fc.constantFrom(0, 23), hourArb()),
        async (field, hour) => {
          const res = await api.call('updateNotificationPreferences', {
            as: user,
            body: { [field]: hour },
          });
          expectStatus(res, 200);
          expect(res.body[field]).toBe(hour);
        },
      ),
      { name: 'preferences: hours in range', numRuns: 15 },
    );
  });

  it('an hour outside 0–23 → 400, nothing changes', async () => {
    proves('s6.prefs.hours-range');
    const user = await newUser({ name: 'prefs-bad-hours' });
    const before = await readPrefs(user);
    await fcAssert(
      fc.asyncProperty(
        fc.constantFrom(...HOUR_FIELDS),
        fc.oneof(
          fc.constantFrom(-1, 24),
          fc.integer({ min: 24, max: 10_000 }),
          fc.integer({ min: -10_000, max: -1 }),
        ),
        async (field, hour) => {
          const res = await api.call('updateNotificationPreferences', {
            as: user,
            body: { [field]: hour },
          });
          // §6 fixes the range; details are the target's choice there (§12)
          expectError(res, 400, 'validation_error');
          expect(await readPrefs(user)).toEqual(before);
        },
      ),
      { name: 'preferences: hours out of range', numRuns: 20 },
    );
  });

  // §6 "(hours 0–23": the nearest wrong neighbours of that range are 24 and -1, every field alike
  // (the random property above reaches them only by chance).
  it('an hour of 24 or of -1 → 400 on each hour field, nothing changes', async () => {
    proves('s6.prefs.hours-range');
    const user = await newUser({ name: 'prefs-hour-24' });
    const before = await readPrefs(user);
    for (const field of HOUR_FIELDS) {
      for (const hour of [24, -1]) {
        const res = await api.call('updateNotificationPreferences', {
          as: user,
          body: { [field]: hour },
        });
        expectError(res, 400, 'validation_error');
      }
    }
    expect(await readPrefs(user)).toEqual(before);
  });
});
