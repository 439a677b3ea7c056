/**
 * §2 and §10: the request timezone. Without X-Timezone and with a profile timezone never set,
 * it is UTC; X-Timezone takes IANA names, backward-compatible links included (`US/Eastern`),
 * and an unknown name answers 400 even where the answer does not depend on time.
 * X-Timezone is read and validated on every authenticated operation: a name no IANA database
 * has → 400 `validation_error`.
 *
 * The zone a request runs in is observed through the answers that expose it: the kanban's
 * `timezone` and `today`, and the schedule's daily digests, which fire at local
 * `daily_digest_hour` (§6) – a fresh user has no task, so the schedule holds only digests.
 *
 * Every authenticated operation is sent its valid request (ids that exist, a body it accepts)
 * with the unknown zone, so the zone is the only rule it breaks and 400 is the only correct
 * answer; a target ignoring the header would answer the 2xx. The contract does not order the
 * zone check against other rules (404 for an absent id, 400 for a bad body), so no request
 * here breaks two rules at once.
 */
import { DateTime } from 'luxon';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../fixtures/harness/actors.ts';
import { test } from '../fixtures/harness/test-fixtures.ts';
import { api, expectError, expectStatus, failureText } from '../fixtures/harness/client/client.ts';
import type { ApiResponse, CallOptions, OpName } from '../fixtures/harness/client/client.ts';
import { config } from '../fixtures/harness/config.ts';
import { newUser } from '../fixtures/harness/factories.ts';
import { OP_NAMES, hasOp, itNeeds, loadedDoc } from '../fixtures/harness/document/operations.ts';
import { isSecured } from '../fixtures/harness/document/spec.ts';
import { proves, provesIn } from '../fixtures/harness/rules.ts';
import { VALID, missingFor } from '../fixtures/harness/scenario.ts';
import type { Scenario } from '../fixtures/harness/scenario.ts';

const UNKNOWN_ZONE = 'Mars/Olympus_Mons'; // no IANA database has it (§10)

/** The calendar date of an instant in a zone. */
const dateIn = (zone: string, at: number) => DateTime.fromMillis(at, { zone }).toISODate()!;

/** The kanban `today` for a request sent between `before` and `after` (midnight guard band). */
function expectTodayIn(res: ApiResponse, zone: string, before: number, after: number): void {
  const allowed = [...new Set([dateIn(zone, before), dateIn(zone, after)])];
  expect(allowed, failureText(res, `today in ${zone}`)).toContain(res.body.today);
}

/** Every digest of the schedule fires at local `daily_digest_hour` on its local_date in `zone`. */
function expectDigestsIn(res: ApiResponse, zone: string): void {
  const items = res.body.items as { kind: string; local_date: string; fire_at: string }[];
  const digests = items.filter((i) => i.kind === 'daily_digest');
  expect(digests.length, failureText(res, 'daily digests over 3 days')).toBeGreaterThanOrEqual(2);
  for (const d of digests) {
    const want = DateTime.fromISO(d.local_date, { zone })
      .set({ hour: config.limits.dailyDigestHour })
      .toUTC()
      .toISO();
    expect(
      DateTime.fromISO(d.fire_at).toUTC().toISO(),
      `digest of ${d.local_date} in ${zone}`,
    ).toBe(want);
  }
}

function scheduleWindow(): CallOptions['query'] {
  const from = Date.now();
  return {
    from: new Date(from).toISOString(),
    to: new Date(from + 3 * 86_400_000).toISOString(),
  };
}

let s: Scenario;
/** A fresh user who never set a timezone, has no residence and default preferences. */
let fresh: Actor;
test.beforeAll(({ scenario }) => {
  s = scenario; // this file's own scenario (a file fixture, frozen)
});
beforeAll(async () => {
  fresh = await newUser({ name: 'tz-fresh' });
});

describe('without X-Timezone, a user who never set a timezone is served in UTC (§2)', () => {
  it('the profile of a user registered without a timezone says UTC', async () => {
    proves('s2.tz.utc-default');
    const me = expectStatus(await api.call('getMe', { as: fresh }), 200);
    expect(me.body.timezone).toBe('UTC');
  });

  itNeeds('listTasks')('the kanban runs in UTC: timezone UTC, today the UTC date', async () => {
    proves('s2.tz.utc-default');
    const before = Date.now();
    const res = expectStatus(await api.call('listTasks', { as: fresh }), 200);
    const after = Date.now();
    expect(res.body.timezone).toBe('UTC');
    expectTodayIn(res, 'UTC', before, after);
  });

  itNeeds('getNotificationSchedule')(
    'the schedule runs in UTC: daily digests fire at daily_digest_hour:00Z',
    async () => {
      proves('s2.tz.utc-default');
      const res = await api.call('getNotificationSchedule', { as: fresh, query: scheduleWindow() });
      expectStatus(res, 200);
      expect(res.body.timezone).toBe('UTC');
      expectDigestsIn(res, 'UTC');
    },
  );
});

/** Backward-compatible links of the IANA database and the zones they name. */
const LINKS: [link: string, zone: string][] = [
  ['US/Eastern', 'America/New_York'],
  ['US/Pacific', 'America/Los_Angeles'],
  ['Asia/Calcutta', 'Asia/Kolkata'],
  ['Japan', 'Asia/Tokyo'],
];

describe('X-Timezone accepts backward-compatible IANA links as the zone they name (§10)', () => {
  for (const [link, zone] of LINKS) {
    itNeeds('listTasks')(`X-Timezone: ${link} runs the kanban in ${zone}`, async () => {
      proves('s10.tz.links');
      const before = Date.now();
      const res = await api.call('listTasks', { as: fresh, timezone: link });
      const after = Date.now();
      expectStatus(res, 200);
      expect([link, zone]).toContain(res.body.timezone);
      expectTodayIn(res, zone, before, after);
    });

    itNeeds('getNotificationSchedule')(
      `X-Timezone: ${link} fires the daily digests at local daily_digest_hour in ${zone}`,
      async () => {
        proves('s10.tz.links');
        const res = await api.call('getNotificationSchedule', {
          as: fresh,
          timezone: link,
          query: scheduleWindow(),
        });
        expectStatus(res, 200);
        expect([link, zone]).toContain(res.body.timezone);
        expectDigestsIn(res, zone);
      },
    );
  }
});

/** Authenticated reads whose answer does not depend on time. */
const TIMELESS: [OpName, (s: Scenario) => CallOptions][] = [
  ['getMe', () => ({ as: fresh })],
  ['listResidences', () => ({ as: fresh })],
  ['getNotificationPreferences', () => ({ as: fresh })],
  ['getSubscription', () => ({ as: fresh })],
  ['getResidence', (s) => ({ as: s.w.member, path: { id: s.w.residence.id } })],
  ['listResidenceUsers', (s) => ({ as: s.w.member, path: { id: s.w.residence.id } })],
  ['getDocument', (s) => ({ as: s.w.member, path: { id: s.document.id } })],
];

describe('an unknown X-Timezone answers 400 even where the answer does not depend on time (§10)', () => {
  for (const [name, build] of TIMELESS) {
    itNeeds(name)(
      `${name}: 200 with a valid zone, the same answer without one, 400 with ${UNKNOWN_ZONE}`,
      async () => {
        proves('s10.tz.every-operation');
        const opts = build(s);
        const plain = expectStatus(await api.call(name, opts), 200);
        const valid = expectStatus(await api.call(name, { ...opts, timezone: 'Asia/Tokyo' }), 200);
        expect(valid.body, 'the zone does not change this answer').toEqual(plain.body);
        expectError(
          await api.call(name, { ...opts, timezone: UNKNOWN_ZONE }),
          400,
          'validation_error',
        );
      },
    );
  }
});

const doc = loadedDoc();
const secured = OP_NAMES.filter((n) => hasOp(n) && isSecured(doc, api.op(n).op));

describe.concurrent('every authenticated operation rejects an unknown X-Timezone with 400', () => {
  for (const name of secured) {
    const op = api.op(name);
    const title = `${name} (${op.method.toUpperCase()} ${op.template}) with X-Timezone: ${UNKNOWN_ZONE}`;
    // an operation its valid request needs is absent: named, printed, skipped (itNeeds)
    itNeeds(...missingFor(name))(title, async (ctx) => {
      provesIn(ctx, 's10.tz.every-operation', 's2.tz.unknown', 's1.error.validation-error');
      const valid = await VALID[name](s);
      const res = await api.call(name, { ...valid, timezone: UNKNOWN_ZONE, retryOn429: false });
      expectError(res, 400, 'validation_error');
    });
  }
});
