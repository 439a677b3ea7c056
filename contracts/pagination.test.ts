/**
 * §1 lists: `documents` and `task-completions` page (`page` ≥ 1, `page_size` 1–100, default 20,
 * `{count, next, previous, results}`, `next`/`previous` URLs or null, a page past the end is
 * 200 with empty `results`); residences, residence users and archived tasks are plain arrays.
 * The contract does not say how a `page` or `page_size` outside its range is answered: refused
 * (400 `validation_error`) or brought into range (a 200 page of 1–100 results), never a 5xx.
 * Links may be absolute or relative to the request (§12): they are resolved against the URL
 * of the request that answered them.
 * Each paged list gets its own parent (a fresh residence, a fresh task) holding exactly 21 items,
 * so counts are known.
 */
import { describe, expect, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';
import { api, expectError, expectStatus } from '../fixtures/harness/client/client.ts';
import type { ApiResponse, CallOptions } from '../fixtures/harness/client/client.ts';
import { complete, newResidence, newTask } from '../fixtures/harness/factories.ts';
import { describeOp } from '../fixtures/harness/document/operations.ts';
import type { OpName } from '../fixtures/harness/document/operations.ts';
import { proves, provesIn } from '../fixtures/harness/rules.ts';
import { uploadDocument } from '../fixtures/harness/scenario.ts';
import type { Scenario } from '../fixtures/harness/scenario.ts';

const ITEMS = 21; // one more than the default page size
const DEFAULT_PAGE_SIZE = 20;

let s: Scenario;

interface PagedList {
  name: string;
  op: OpName;
  /** The filter naming the parent that holds exactly ITEMS items. */
  filter: Record<string, number>;
  ids: number[];
}
const lists: PagedList[] = [
  { name: 'documents', op: 'listDocuments', filter: {}, ids: [] },
  { name: 'task-completions', op: 'listCompletions', filter: {}, ids: [] },
];
const [documents, completions] = lists;

test.beforeAll(async ({ scenario }) => {
  s = scenario; // this file's own scenario (a file fixture, frozen)
  const residence = await newResidence(s.w.owner);
  const task = await newTask(s.w.owner, s.w.residence, {
    frequency_id: s.ids.task_frequencies.daily,
  });
  documents.filter = { residence_id: residence.id };
  completions.filter = { task_id: task.id };
  const items = Array.from({ length: ITEMS }, (_, i) => i);
  documents.ids = (await Promise.all(items.map(() => uploadDocument(s.w.owner, residence)))).map(
    (d) => d.id,
  );
  // one after another: each completion moves the task's due date
  for (let i = 0; i < ITEMS; i++) completions.ids.push((await complete(s.w.owner, task)).id);
});

/** A response and the URL of the request that answered it (the base of its links). */
type Paged = ApiResponse & { requestUrl: string };

/** The absolute URL of a request `api.call` sends. */
function urlOf(path: string, query: Record<string, unknown>): string {
  const u = new URL(`${api.url()}${path}`);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, String(v));
  return u.href;
}

async function page(list: PagedList, query: CallOptions['query'] = {}): Promise<Paged> {
  const q = { ...list.filter, ...query };
  const res = await api.call(list.op, { as: s.w.owner, query: q });
  return Object.assign(res, { requestUrl: urlOf(api.path(list.op), q) });
}

/**
 * GET a `next`/`previous` link: an absolute URL, or a reference relative to the URL of the
 * request that answered it (`from`), as a browser would resolve it (RFC 3986).
 */
async function follow(link: string, from: Paged): Promise<Paged> {
  const u = new URL(link, from.requestUrl);
  const base = new URL(`${api.url()}/`);
  expect(u.origin, `link ${link} leads to the API's origin`).toBe(base.origin);
  const prefix = base.pathname.replace(/\/$/, '');
  expect(u.pathname.startsWith(prefix), `link ${link} is under ${api.url()}`).toBe(true);
  const res = await api.raw('GET', u.pathname.slice(prefix.length) + u.search, { as: s.w.owner });
  return Object.assign(res, { requestUrl: u.href });
}

/**
 * An out-of-range `page` / `page_size`: the contract fixes no answer, so either a 400
 * `validation_error`, or a 200 page brought into range – 1 to 100 results of the full count.
 */
function expectRefusedOrInRange(res: ApiResponse): void {
  expectStatus(res, [200, 400]);
  if (res.status === 400) {
    expectError(res, 400, 'validation_error');
    return;
  }
  expect(res.body.count).toBe(ITEMS);
  expect(Array.isArray(res.body.results), 'results').toBe(true);
  expect(res.body.results.length, 'a page holds 1–100 results').toBeGreaterThanOrEqual(1);
  expect(res.body.results.length).toBeLessThanOrEqual(100);
}

const idsOf = (res: ApiResponse): number[] => res.body.results.map((r: { id: number }) => r.id);

describe.concurrent('lists that page (§1)', () => {
  for (const list of lists) {
    it(`${list.name} answers {count, next, previous, results}`, async (ctx) => {
      provesIn(ctx, 's1.page.lists');
      const first = expectStatus(await page(list, { page: 1, page_size: 5 }), 200);
      // fields beyond these four are the implementation's (§12)
      expect(first.body).toEqual(
        expect.objectContaining({
          count: expect.any(Number),
          next: expect.toSatisfy((v: unknown) => v === null || typeof v === 'string'),
          previous: expect.toSatisfy((v: unknown) => v === null || typeof v === 'string'),
          results: expect.any(Array),
        }),
      );
    });

    it(`${list.name} honours page and page_size`, async (ctx) => {
      provesIn(ctx, 's1.page.lists');
      const first = expectStatus(await page(list, { page: 1, page_size: 5 }), 200);
      expect(first.body.count).toBe(ITEMS);
      expect(first.body.results).toHaveLength(5);
      const third = expectStatus(await page(list, { page: 3, page_size: 5 }), 200);
      expect(third.body.count).toBe(ITEMS);
      expect(third.body.results).toHaveLength(5);
      const pages = await Promise.all(
        [1, 2, 3, 4, 5].map((p) => page(list, { page: p, page_size: 5 })),
      );
      const seen = pages.flatMap((r) => idsOf(expectStatus(r, 200)));
      expect(seen).toHaveLength(ITEMS);
      expect([...seen].sort((a, b) => a - b)).toEqual([...list.ids].sort((a, b) => a - b));
    });

    it(`${list.name} takes page 1; page 0 and page -1 are refused or brought into range`, async (ctx) => {
      provesIn(ctx, 's1.page.page-min');
      expect(idsOf(expectStatus(await page(list, { page: 1 }), 200)).length).toBeGreaterThan(0);
      expectRefusedOrInRange(await page(list, { page: 0 }));
      expectRefusedOrInRange(await page(list, { page: -1 }));
    });

    it(`${list.name} takes page_size 1 and 100; 0 and 101 are refused or brought into range`, async (ctx) => {
      provesIn(ctx, 's1.page.size-range');
      expect(expectStatus(await page(list, { page_size: 1 }), 200).body.results).toHaveLength(1);
      expect(expectStatus(await page(list, { page_size: 100 }), 200).body.results).toHaveLength(
        ITEMS,
      );
      expectRefusedOrInRange(await page(list, { page_size: 0 }));
      expectRefusedOrInRange(await page(list, { page_size: 101 }));
    });

    it(`${list.name} pages by 20 when page_size is not given`, async (ctx) => {
      provesIn(ctx, 's1.page.size-default');
      const first = expectStatus(await page(list), 200);
      expect(first.body.count).toBe(ITEMS);
      expect(first.body.results).toHaveLength(DEFAULT_PAGE_SIZE);
      const second = expectStatus(await page(list, { page: 2 }), 200);
      expect(second.body.results).toHaveLength(ITEMS - DEFAULT_PAGE_SIZE);
    });

    it(`${list.name}: next and previous are URLs that lead to the neighbouring pages, or null at the ends`, async (ctx) => {
      provesIn(ctx, 's1.page.links');
      const size = 8; // pages of 8, 8, 5
      const first = await page(list, { page: 1, page_size: size });
      expectStatus(first, 200);
      expect(first.body.previous).toBeNull();
      expect(typeof first.body.next).toBe('string');
      const second = await follow(first.body.next, first);
      expectStatus(second, 200);
      expect(second.body.count).toBe(ITEMS);
      expect(idsOf(second)).toEqual(
        idsOf(expectStatus(await page(list, { page: 2, page_size: size }), 200)),
      );
      expect(typeof second.body.previous).toBe('string');
      expect(idsOf(expectStatus(await follow(second.body.previous, second), 200))).toEqual(
        idsOf(first),
      );
      const third = await follow(second.body.next, second);
      expectStatus(third, 200);
      expect(third.body.results).toHaveLength(ITEMS - 2 * size);
      expect(third.body.next).toBeNull();
      const all = [...idsOf(first), ...idsOf(second), ...idsOf(third)].sort((a, b) => a - b);
      expect(all).toEqual([...list.ids].sort((a, b) => a - b));
      // a last page that is exactly full is the end too (pages of 7, 7, 7)
      const full = expectStatus(await page(list, { page: 3, page_size: 7 }), 200);
      expect(full.body.results).toHaveLength(7);
      expect(full.body.next).toBeNull();
    });

    it(`${list.name}: a page past the end answers 200 with empty results and the full count`, async (ctx) => {
      provesIn(ctx, 's1.page.past-end');
      const res = expectStatus(await page(list, { page: 4, page_size: 10 }), 200);
      expect(res.body.count).toBe(ITEMS);
      expect(res.body.results).toEqual([]);
    });

    it(`${list.name}: page 1000000000 (no upper bound) answers 200 with empty results`, async (ctx) => {
      provesIn(ctx, 's1.page.past-end', 's10.page.no-upper-bound');
      const res = expectStatus(await page(list, { page: 1_000_000_000 }), 200);
      expect(res.body.count).toBe(ITEMS);
      expect(res.body.results).toEqual([]);
    });
  }
});

describe('a page never holds more than 100 results (§1: page_size 1–100)', () => {
  const MAX = 100;
  it(`task-completions with ${MAX + 1} items: page_size ${MAX} gives ${MAX}, page_size ${MAX + 1} is refused or gives at most ${MAX}`, async () => {
    proves('s1.page.size-range');
    const task = await newTask(s.w.owner, s.w.residence, {
      frequency_id: s.ids.task_frequencies.daily,
    });
    // a recurring task takes concurrent completions (only one-time tasks race, §5.2)
    for (let i = 0; i < MAX + 1; i += 10) {
      const batch = Math.min(10, MAX + 1 - i);
      await Promise.all(Array.from({ length: batch }, () => complete(s.w.owner, task)));
    }
    const list = { ...completions, filter: { task_id: task.id } };
    const full = expectStatus(await page(list, { page_size: MAX }), 200);
    expect(full.body.count).toBe(MAX + 1);
    expect(full.body.results).toHaveLength(MAX);
    const over = await page(list, { page_size: MAX + 1 });
    expectStatus(over, [200, 400]);
    if (over.status === 400) expectError(over, 400, 'validation_error');
    else expect(over.body.results.length, 'results on one page').toBeLessThanOrEqual(MAX);
  }, 180_000);
});

describe('lists that do not page are plain JSON arrays (§1)', () => {
  it(`${describeOp('listResidences')} answers an array holding the residences of the caller`, async () => {
    proves('s1.plain-arrays');
    const res = expectStatus(await api.call('listResidences', { as: s.w.member }), 200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body.map((r: { id: number }) => r.id)).toContain(s.w.residence.id);
  });

  it(`${describeOp('listResidenceUsers')} answers an array of the owner and members`, async () => {
    proves('s1.plain-arrays');
    const res = await api.call('listResidenceUsers', {
      as: s.w.member,
      path: { id: s.w.residence.id },
    });
    expectStatus(res, 200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body.map((u: { id: number }) => u.id)).toEqual(
      expect.arrayContaining([s.w.owner.id, s.w.member.id]),
    );
  });

  it(`${describeOp('listArchivedTasks')} answers an array of the archived tasks`, async () => {
    proves('s1.plain-arrays');
    const task = await newTask(s.w.owner, s.w.residence);
    expectStatus(await api.call('archiveTask', { as: s.w.owner, path: { id: task.id } }), 200);
    const res = await api.call('listArchivedTasks', {
      as: s.w.member,
      query: { residence_id: s.w.residence.id },
    });
    expectStatus(res, 200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body.map((t: { id: number }) => t.id)).toContain(task.id);
  });
});
