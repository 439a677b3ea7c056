/**
 * §5.2 Completions as resources: creating one with every field, the rating range, reading one
 * by id, and paging `GET /api/task-completions/?task_id=`. Recurring (weekly) tasks take any
 * number of completions; completions are backdated to fixed instants so every expected value
 * is a constant of the contract.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  expectError,
  expectStatus,
  type ApiResponse,
} from '../fixtures/harness/client/client.ts';
import { newTask, staticIds, world, type World } from '../fixtures/harness/factories.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { listCompletions } from '../fixtures/harness/factories.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS, WORLD_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...WORLD_OPS,
  ...FACTORY_OPS.task,
  ...FACTORY_OPS.completion,
  'getCompletion',
  'listCompletions',
);

let w: World;
let weekly: number;

beforeAll(async () => {
  if (!suite.ok) return;
  w = await world();
  weekly = (await staticIds()).task_frequencies.weekly;
});

const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function createCompletion(body: Record<string, unknown>, as = w.owner): Promise<ApiResponse> {
  return api.call('createCompletion', { as, body });
}

const recurringTask = () => newTask(w.owner, w.residence, { frequency_id: weekly });

suite('§5.2 POST /api/task-completions/', () => {
  it('{task_id, completed_at, notes, actual_cost, rating} → 201 with the completion as sent', async () => {
    proves('s5.2.create.ok');
    const task = await recurringTask();
    const res = await createCompletion(
      {
        task_id: task.id,
        completed_at: '2024-06-01T10:30:00.000+02:00',
        notes: 'replaced the filter',
        actual_cost: '12.5',
        rating: 4,
      },
      w.member,
    );
    expectStatus(res, 201);
    const c = res.body;
    expect(Number.isInteger(c.id) && c.id > 0).toBe(true);
    expect(c).toMatchObject({ task_id: task.id, notes: 'replaced the filter', rating: 4 });
    // the same instant, emitted in UTC (whole seconds here: any precision a target keeps)
    expect(c.completed_at).toMatch(UTC_INSTANT);
    expect(Date.parse(c.completed_at)).toBe(Date.parse('2024-06-01T08:30:00.000Z'));
    expect(typeof c.actual_cost).toBe('string');
    expect(c.actual_cost).toMatch(/^\d+(\.\d{1,2})?$/);
    expect(Number(c.actual_cost)).toBe(12.5);
    expect(c.created_at).toMatch(UTC_INSTANT);
    // stored: it is the task's one completion (a list item may show more or fewer fields, §12)
    const listed = await listCompletions(w.owner, task.id);
    expect(listed.map((x: { id: number }) => x.id)).toEqual([c.id]);
    expect(listed[0]).toMatchObject({ task_id: task.id, notes: 'replaced the filter', rating: 4 });
  });

  it('{task_id} alone → 201 with no notes, cost or rating', async () => {
    proves('s5.2.create.ok');
    const task = await recurringTask();
    const res = await createCompletion({ task_id: task.id });
    expectStatus(res, 201);
    expect(res.body.task_id).toBe(task.id);
    // optional text defaults to '' or null (§12)
    expect(['', null, undefined]).toContain(res.body.notes);
    expect(res.body.actual_cost ?? null, 'no cost sent').toBeNull();
    expect(res.body.rating ?? null, 'no rating sent').toBeNull();
    expect(await listCompletions(w.owner, task.id)).toHaveLength(1);
  });

  it('rating 1 and rating 5 are accepted', async () => {
    proves('s5.2.create.rating-range');
    const task = await recurringTask();
    for (const [rating, at] of [
      [1, '2024-01-01T12:00:00.000Z'],
      [5, '2024-01-02T12:00:00.000Z'],
    ] as const) {
      const res = await createCompletion({ task_id: task.id, rating, completed_at: at });
      expectStatus(res, 201);
      expect(res.body.rating).toBe(rating);
    }
  });

  it('rating outside 1–5 → 400, nothing stored', async () => {
    proves('s5.2.create.rating-range');
    const task = await recurringTask();
    // §5.2 fixes the range and §12 leaves details open; types beyond it are the document's
    // (the contracts suite's schema-breaking fuzz)
    for (const rating of [0, 6, -1]) {
      expectError(await createCompletion({ task_id: task.id, rating }), 400, 'validation_error');
    }
    expect(await listCompletions(w.owner, task.id)).toEqual([]);
  });
});

suite('§5.2 GET /api/task-completions/{id}/', () => {
  it('→ 200 with the completion, for the owner and for a member', async () => {
    proves('s5.2.get');
    const task = await recurringTask();
    const created = expectStatus(
      await createCompletion({
        task_id: task.id,
        completed_at: '2024-02-03T04:05:06.000Z',
        notes: 'read back',
        rating: 3,
      }),
      201,
    ).body;
    for (const as of [w.owner, w.member]) {
      const res = await api.call('getCompletion', { as, path: { id: created.id } });
      expectStatus(res, 200);
      expect(res.body, `read as ${as.name}`).toEqual(created);
    }
  });
});

suite('§5.2 GET /api/task-completions/?task_id= pages', () => {
  it("pages through exactly the task's completions, page_size at a time", async () => {
    proves('s5.2.list.pages');
    const task = await recurringTask();
    const other = await recurringTask();
    expectStatus(await createCompletion({ task_id: other.id }), 201);
    const created: number[] = [];
    for (let d = 1; d <= 5; d++) {
      const at = `2024-04-0${d}T12:00:00.000Z`;
      created.push(
        expectStatus(await createCompletion({ task_id: task.id, completed_at: at }), 201).body.id,
      );
    }
    const seen: number[] = [];
    const sizes: number[] = [];
    for (const page of [1, 2, 3]) {
      const res = await api.call('listCompletions', {
        as: w.member,
        query: { task_id: task.id, page, page_size: 2 },
      });
      expectStatus(res, 200);
      expect(res.body.count, `page ${page}`).toBe(5);
      expect(res.body.previous === null, `page ${page} previous`).toBe(page === 1);
      expect(res.body.next === null, `page ${page} next`).toBe(page === 3);
      for (const c of res.body.results) expect(c.task_id).toBe(task.id);
      sizes.push(res.body.results.length);
      seen.push(...res.body.results.map((c: { id: number }) => c.id));
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect([...seen].sort((a, b) => a - b)).toEqual([...created].sort((a, b) => a - b));
    const past = await api.call('listCompletions', {
      as: w.owner,
      query: { task_id: task.id, page: 4, page_size: 2 },
    });
    expectStatus(past, 200);
    expect(past.body.results).toEqual([]);
  });

  it('without page_size a page holds up to 20 completions', async () => {
    proves('s5.2.list.pages');
    const task = await recurringTask();
    for (let d = 1; d <= 21; d++) {
      const at = new Date(Date.UTC(2023, 0, d, 12)).toISOString();
      expectStatus(await createCompletion({ task_id: task.id, completed_at: at }), 201);
    }
    const first = await api.call('listCompletions', { as: w.owner, query: { task_id: task.id } });
    expectStatus(first, 200);
    expect(first.body.count).toBe(21);
    expect(first.body.results).toHaveLength(20);
    expect(first.body.next).not.toBeNull();
    const second = await api.call('listCompletions', {
      as: w.owner,
      query: { task_id: task.id, page: 2 },
    });
    expectStatus(second, 200);
    expect(second.body.results).toHaveLength(1);
    expect(second.body.next).toBeNull();
  });
});
