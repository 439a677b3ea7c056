/**
 * §6, hand-worked: the daily digest on a DST transition day fires at the configured local hour,
 * shifted forward by the gap when that wall time does not exist, and once, at the earlier instant,
 * when it exists twice. The random properties in schedule.test.ts reach these cases only when a
 * drawn hour falls in a gap; these rows reach them every run. Expected instants are worked out by
 * hand from the zones' published transitions (see each row), not computed by the suite.
 */
import { describe, expect, it } from 'vitest';
import { api, expectStatus, failure } from '../fixtures/harness/client/client.ts';
import { newUser } from '../fixtures/harness/factories.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...FACTORY_OPS.user,
  'getNotificationSchedule',
  'updateNotificationPreferences',
);

interface Row {
  rule: 's6.fire.spring-forward' | 's6.fire.fall-back';
  zone: string;
  day: string;
  hour: number;
  /** The one instant the digest of `day` must fire at. */
  fireAt: string;
  why: string;
}

const ROWS: Row[] = [
  {
    rule: 's6.fire.spring-forward',
    zone: 'America/New_York',
    day: '2026-03-08',
    hour: 2,
    fireAt: '2026-03-08T07:00:00Z',
    why: '02:00 EST jumps to 03:00 EDT: 02:00 is shifted to 03:00 EDT (UTC−4)',
  },
  {
    rule: 's6.fire.spring-forward',
    zone: 'Europe/London',
    day: '2026-03-29',
    hour: 1,
    fireAt: '2026-03-29T01:00:00Z',
    why: '01:00 GMT jumps to 02:00 BST: 01:00 is shifted to 02:00 BST (UTC+1)',
  },
  {
    rule: 's6.fire.spring-forward',
    zone: 'Australia/Lord_Howe',
    day: '2026-10-04',
    hour: 2,
    fireAt: '2026-10-03T15:30:00Z',
    why: 'a half-hour gap, 02:00 (+10:30) jumps to 02:30 (+11:00): 02:00 is shifted to 02:30',
  },
  {
    rule: 's6.fire.fall-back',
    zone: 'America/New_York',
    day: '2026-11-01',
    hour: 1,
    fireAt: '2026-11-01T05:00:00Z',
    why: '01:00 happens at 05:00Z (EDT) and again at 06:00Z (EST): the earlier one',
  },
  {
    rule: 's6.fire.fall-back',
    zone: 'Europe/London',
    day: '2026-10-25',
    hour: 1,
    fireAt: '2026-10-25T00:00:00Z',
    why: '01:00 happens at 00:00Z (BST) and again at 01:00Z (GMT): the earlier one',
  },
];

const shift = (day: string, days: number): string =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString();

suite('§6 the daily digest on a DST transition day (hand-worked)', () => {
  it.for(ROWS)('$zone $day, digest hour $hour → fires once at $fireAt ($why)', async (row) => {
    proves(row.rule, 's6.local-date', 's6.unique-items');
    // A fresh user has no task, so the schedule holds only its daily digests.
    const owner = await newUser({ name: 'digest-dst' });
    expectStatus(
      await api.call('updateNotificationPreferences', {
        as: owner,
        body: { daily_digest: true, daily_digest_hour: row.hour },
      }),
      200,
    );
    const res = expectStatus(
      await api.call('getNotificationSchedule', {
        as: owner,
        timezone: row.zone,
        query: { from: shift(row.day, -2), to: shift(row.day, 3) },
      }),
      200,
    );
    const digests = (res.body.items as { kind: string; local_date: string; fire_at: string }[])
      .filter((i) => i.kind === 'daily_digest' && i.local_date === row.day)
      .map((i) => i.fire_at);
    if (digests.length !== 1) {
      throw failure(
        res,
        row.rule,
        `expected one daily_digest for local_date ${row.day}, got ${digests.length}: ${digests.join(', ')}`,
      );
    }
    expect(Date.parse(digests[0]), `digest of ${row.day} in ${row.zone}`).toBe(
      Date.parse(row.fireAt),
    );
  });
});
