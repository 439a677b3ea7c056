/**
 * Midnight sweep (§2, §5.3): in the zones whose local time is within ±60 minutes of midnight
 * right now, tasks due yesterday / today / tomorrow / the day after (local calendar dates there)
 * land in the columns the rules give for the true local today. A case whose requests straddle
 * the instant of local midnight is re-run, never judged.
 */
import type { Actor } from '../fixtures/harness/actors.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { api, expectStatus } from '../fixtures/harness/client/client.ts';
import { newResidence, newUser, onceFrequencyId } from '../fixtures/harness/factories.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { tagged } from '../fixtures/harness/run.ts';
import { ALL_ZONES, zoneTraits } from '../fixtures/arbitraries/zones.ts';
import { targetAcceptsZone } from '../fixtures/arbitraries/target-zones.ts';
import { addDays, localDate } from '../fixtures/oracles/calendar.ts';
import { categorise, type TaskFacts } from '../fixtures/oracles/categorise.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...FACTORY_OPS.user,
  ...FACTORY_OPS.residence,
  ...FACTORY_OPS.task,
  'listTasks',
);

const SWEEP_MINUTES = 60;
const MAX_ZONES = 12;
const GUARD_MS = 3_000;

/** Signed minutes from the nearest local midnight (negative: before it). */
function minutesFromMidnight(now: number, zone: string): number {
  const t = DateTime.fromMillis(now, { zone });
  const m = t.hour * 60 + t.minute + t.second / 60;
  return m <= 720 ? m : m - 1440;
}

function nextLocalMidnight(now: number, zone: string): number {
  return DateTime.fromMillis(now, { zone }).plus({ days: 1 }).startOf('day').toMillis();
}

/** Zones near midnight now: one per distinct current offset first (awkward zones preferred). */
function zonesNearMidnight(now: number): { zone: string; local: string }[] {
  const near = ALL_ZONES.filter((z) => Math.abs(minutesFromMidnight(now, z)) <= SWEEP_MINUTES);
  const score = (z: string) => {
    const t = zoneTraits(z);
    return (
      (t.midnightVanishes || t.midnightRepeats ? 4 : 0) +
      (t.fractionalOffset ? 2 : 0) +
      (t.dst ? 1 : 0)
    );
  };
  const byOffset = new Map<number, string[]>();
  for (const z of near) {
    const o = DateTime.fromMillis(now, { zone: z }).offset;
    byOffset.set(o, [...(byOffset.get(o) ?? []), z]);
  }
  for (const zs of byOffset.values()) zs.sort((a, b) => score(b) - score(a) || a.localeCompare(b));
  const picked: string[] = [];
  for (let round = 0; picked.length < MAX_ZONES; round++) {
    const before = picked.length;
    for (const zs of byOffset.values())
      if (zs[round] && picked.length < MAX_ZONES) picked.push(zs[round]);
    if (picked.length === before) break;
  }
  return picked.map((zone) => ({
    zone,
    local: DateTime.fromMillis(now, { zone }).toFormat('yyyy-MM-dd HH:mm'),
  }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const facts = (due: string): TaskFacts => ({
  is_archived: false,
  is_cancelled: false,
  one_time: true,
  completion_count: 0,
  in_progress: false,
  due_date: due,
  next_due_date: null,
});

let owner: Actor;
beforeAll(async () => {
  if (!suite.ok) return;
  owner = await newUser({ name: 'midnight-sweep' });
});

const sweep = zonesNearMidnight(Date.now());

suite('midnight sweep (§2, §5.3): zones within ±60 min of local midnight now', () => {
  it('finds zones near local midnight (there always are some)', () => {
    expect(sweep.length).toBeGreaterThan(0);
  });

  it.for(sweep)(
    'in $zone, tasks due yesterday, today, tomorrow, the day after land in overdue, due_soon, due_soon, upcoming (days=1)',
    async ({ zone, local }, ctx) => {
      // A zone newer than the target's tz database (400 on X-Timezone) is not judged.
      if (!(await targetAcceptsZone(owner, zone))) {
        ctx.skip(`the target's tz database lacks ${zone}`);
        return;
      }
      proves(
        's2.today',
        's2.calendar-days',
        's5.3.rule.overdue',
        's5.3.rule.due-today',
        's5.3.rule.upcoming',
      );
      for (let attempt = 1; ; attempt++) {
        const wait = nextLocalMidnight(Date.now(), zone) - Date.now();
        if (wait < GUARD_MS) await sleep(wait + 500);
        const today = localDate(Date.now(), zone);
        const residence = await newResidence(owner);
        const dues = [-1, 0, 1, 2].map((d) => addDays(today, d));
        const ids: number[] = [];
        for (const due of dues) {
          const res = await api.call('createTask', {
            as: owner,
            body: {
              frequency_id: await onceFrequencyId(),
              residence_id: residence.id,
              title: tagged(`sweep ${zone} ${due}`),
              due_date: due,
            },
            timezone: zone,
          });
          expectStatus(res, 201);
          ids.push(res.body.id);
        }
        const before = Date.now();
        const res = await api.call('listTasks', {
          as: owner,
          query: { residence_id: residence.id, days: 1 },
          timezone: zone,
        });
        const after = Date.now();
        expectStatus(res, 200);
        const straddled = localDate(before, zone) !== today || localDate(after, zone) !== today;
        if (straddled && attempt < 3) continue;
        expect(straddled, 'three attempts straddled a local midnight').toBe(false);
        expect(res.body.today).toBe(today);
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const columns: { name: string; tasks: any[] }[] = res.body.columns;
        const got = ids.map((id) => columns.find((c) => c.tasks.some((t) => t.id === id))?.name);
        expect(
          got,
          `today=${today} in ${zone} (local ${local} when collected); dues ${dues.join(', ')}`,
        ).toEqual(dues.map((due) => categorise(facts(due), today, 1)));
        return;
      }
    },
  );
});
