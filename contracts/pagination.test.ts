/**
 * §1 lists: `documents` and `task-completions` page (`page` ≥ 1, `page_size` 1–100, default 20,
 * `{count, next, previous, results}`, `next`/`previous` URLs or null, a page past the end is
 * 200 with empty `results`); residences, residence users and archived tasks are plain arrays.
 * Each paged list gets its own parent (a fresh residence, a fresh task) holding exactly 21 items,
 * so counts are known.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { api, expectError, expectStatus } from '../fixtures/harness/client.ts';
import type { ApiResponse, CallOptions } from '../fixtures/harness/client.ts';
import { complete, newResidence, newTask } from '../fixtures/harness/factories.ts';
import type { OpName } from '../fixtures/harness/operations.ts';
import { proves, provesIn } from '../fixtures/harness/rules.ts';
import { sharedScenario, uploadDocument } from '../fixtures/harness/scenario.ts';
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

beforeAll(async () => {
  s = await sharedScenario();
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

function page(list: PagedList, query: CallOptions['query'] = {}): Promise<ApiResponse> {
  return api.call(list.op, { as: s.w.owner, query: { ...list.filter, ...query } });
}

/** GET a `next`/`previous` link: an absolute URL or an absolute path. */
function follow(link: string): Promise<ApiResponse> {
  const u = new URL(link, `${api.url()}/`);
  return api.raw('GET', u.pathname + u.search, { as: s.w.owner });
}

const idsOf = (res: ApiResponse): number[] => res.body.results.map((r: { id: number }) => r.id);

describe.concurrent('lists that page (§1)', () => {
  for (const list of lists) {
    it(`${list.name} answers {count, next, previous, results} and honours page and page_size`, async (ctx) => {
      provesIn(ctx, 's1.page.lists');
      const first = expectStatus(await page(list, { page: 1, page_size: 5 }), 200);
      expect(Object.keys(first.body).sort()).toEqual(['count', 'next', 'previous', 'results']);
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

    it(`${list.name} refuses page 0 and page -1 with 400 and takes page 1`, async (ctx) => {
      provesIn(ctx, 's1.page.page-min');
      expectError(await page(list, { page: 0 }), 400, 'validation_error');
      expectError(await page(list, { page: -1 }), 400, 'validation_error');
      expect(idsOf(expectStatus(await page(list, { page: 1 }), 200)).length).toBeGreaterThan(0);
    });

    it(`${list.name} takes page_size 1 and 100 and refuses 0 and 101 with 400`, async (ctx) => {
      provesIn(ctx, 's1.page.size-range');
      expect(expectStatus(await page(list, { page_size: 1 }), 200).body.results).toHaveLength(1);
      expect(expectStatus(await page(list, { page_size: 100 }), 200).body.results).toHaveLength(
        ITEMS,
      );
      expectError(await page(list, { page_size: 0 }), 400, 'validation_error');
      expectError(await page(list, { page_size: 101 }), 400, 'validation_error');
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
      const first = expectStatus(await page(list, { page: 1, page_size: size }), 200);
      expect(first.body.previous).toBeNull();
      expect(typeof first.body.next).toBe('string');
      const second = expectStatus(await follow(first.body.next), 200);
      expect(second.body.count).toBe(ITEMS);
      expect(idsOf(second)).toEqual(
        idsOf(expectStatus(await page(list, { page: 2, page_size: size }), 200)),
      );
      expect(typeof second.body.previous).toBe('string');
      expect(idsOf(expectStatus(await follow(second.body.previous), 200))).toEqual(idsOf(first));
      const third = expectStatus(await follow(second.body.next), 200);
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

describe('lists that do not page are plain JSON arrays (§1)', () => {
  it('GET /api/residences/ answers an array holding the residences of the caller', async () => {
    proves('s1.plain-arrays');
    const res = expectStatus(await api.call('listResidences', { as: s.w.member }), 200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body.map((r: { id: number }) => r.id)).toContain(s.w.residence.id);
  });

  it('GET /api/residences/{id}/users/ answers an array of the owner and members', async () => {
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

  it('GET /api/tasks/archived/ answers an array of the archived tasks', async () => {
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
