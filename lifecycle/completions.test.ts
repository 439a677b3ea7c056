/**
 * §5.2 Completions: which completion drives next_due_date, completed_at's default and its
 * 5-minute future bound, deleting a completion, and quick-complete as a completion at now.
 * Requests run in UTC; dates that depend on today accept the today before or after the request.
 *
 * Then completions as resources: creating one with every field, the rating range, reading one
 * by id, and paging `GET /api/task-completions/?task_id=`. Recurring (weekly) tasks take any
 * number of completions; completions are backdated to fixed instants so every expected value
 * is a constant of the contract.
 */
import { describe, expect, it } from 'vitest';
import type { Actor } from '../fixtures/harness/actors.ts';
import { test } from '../fixtures/harness/test-fixtures.ts';
import {
  api,
  expectError,
  expectStatus,
  type ApiResponse,
} from '../fixtures/harness/client/client.ts';
import { newTask, type World } from '../fixtures/harness/factories.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { CLOCK_SLACK_MS } from '../fixtures/harness/clock.ts';
import {
  addDays,
  dateIn,
  instantAgo,
  instantMismatch,
  sameInstantAtPrecision,
} from '../fixtures/models/task-lifecycle/dates.ts';
import {
  postCompletion,
  createTask,
  deleteCompletion,
  listCompletions,
  quickComplete,
  readTask,
  LIFECYCLE_OPS,
} from '../fixtures/harness/factories.ts';
import { aroundToday } from '../fixtures/models/task-lifecycle/live.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS, WORLD_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...FACTORY_OPS.user,
  ...FACTORY_OPS.residence,
  ...LIFECYCLE_OPS,
  'getCompletion',
);

let owner: Actor;
let residenceId: number;

// the file's owner and residence (one `home` fixture per file, built only when a test runs)
if (suite.ok) {
  test.beforeAll(({ home }) => {
    owner = home.owner;
    residenceId = home.residence.id;
  });
}

/** An instant the target answers is the one sent, at the precision it emits (§12). */
function expectSameInstant(emitted: string, sent: string): void {
  expect(sameInstantAtPrecision(emitted, sent), instantMismatch(emitted, sent)).toBe(true);
}

async function completeAt(taskId: number, completedAt: string) {
  const res = await postCompletion(owner, taskId, { completedAt });
  expectStatus(res, 201);
  return res.body;
}

suite('§5.2 the latest completed_at drives next_due_date', () => {
  it('a backdated completion older than the latest leaves next_due_date alone', async () => {
    proves('s5.2.next-due.backdated');
    const task = await createTask(owner, residenceId, { frequency: 'weekly' });
    await completeAt(task.id, '2024-05-10T12:00:00.000Z');
    const before = await readTask(owner, task.id);
    expect(before.next_due_date).toBe('2024-05-17');

    await completeAt(task.id, '2024-03-01T12:00:00.000Z');
    const after = await readTask(owner, task.id);
    expect(after.next_due_date).toBe('2024-05-17');
    expect(after.completion_count).toBe(2);
    expectSameInstant(after.last_completed_at, '2024-05-10T12:00:00.000Z');
  });

  it('a completion later than the latest moves next_due_date', async () => {
    proves('s5.2.next-due.latest');
    const task = await createTask(owner, residenceId, { frequency: 'weekly' });
    await completeAt(task.id, '2024-03-01T12:00:00.000Z');
    await completeAt(task.id, '2024-05-10T12:00:00.000Z');
    const after = await readTask(owner, task.id);
    expect(after.next_due_date).toBe('2024-05-17');
    expect(after.completion_count).toBe(2);
  });
});

suite('§5.2 completed_at', () => {
  it('defaults to now', async () => {
    proves('s5.2.create.completed-at-default');
    const task = await createTask(owner, residenceId, { frequency: 'daily' });
    const t0 = Date.now();
    const { result: res, todays } = await aroundToday(() => postCompletion(owner, task.id));
    const t1 = Date.now();
    expectStatus(res, 201);
    const at = Date.parse(res.body.completed_at);
    expect(at).toBeGreaterThanOrEqual(t0 - CLOCK_SLACK_MS);
    expect(at).toBeLessThanOrEqual(t1 + CLOCK_SLACK_MS);
    const after = await readTask(owner, task.id);
    expect(todays.map((t) => addDays(t, 1))).toContain(after.next_due_date);
  });

  it('more than 5 minutes in the future → 400, nothing stored', async () => {
    proves('s5.2.create.future');
    const task = await createTask(owner, residenceId, { frequency: 'once' });
    const before = await readTask(owner, task.id);
    // 6 minutes ahead: a one-minute guard band over the 5-minute bound
    const res = await postCompletion(owner, task.id, { completedAt: instantAgo(0, -6) });
    expectError(res, 400, 'validation_error');
    expect(await readTask(owner, task.id)).toEqual(before);
    expect(await listCompletions(owner, task.id)).toEqual([]);
  });

  it('less than 5 minutes in the future is accepted', async () => {
    proves('s5.2.create.near-future');
    const task = await createTask(owner, residenceId, { frequency: 'once' });
    // 4 minutes ahead: a one-minute guard band under the 5-minute bound
    const completedAt = instantAgo(0, -4);
    const res = await postCompletion(owner, task.id, { completedAt });
    expectStatus(res, 201);
    expectSameInstant(res.body.completed_at, completedAt);
  });
});

suite('§5.2 deleting a completion recomputes the task as if it never existed', () => {
  it('a one-time task with none left returns to active', async () => {
    proves('s5.2.undo.one-time', 's5.2.delete');
    const task = await createTask(owner, residenceId, { frequency: 'once', dueDate: '2020-01-01' });
    const c = await completeAt(task.id, instantAgo(1));
    const done = await readTask(owner, task.id);
    expect(done.kanban_column).toBe('completed');

    expectStatus(await deleteCompletion(owner, c.id), 204);
    const after = await readTask(owner, task.id);
    expect(after).toMatchObject({
      completion_count: 0,
      in_progress: false,
      is_cancelled: false,
      next_due_date: null,
      last_completed_at: null,
      kanban_column: 'overdue',
    });
    expectError(
      await api.call('getCompletion', { as: owner, path: { id: c.id } }),
      404,
      'not_found',
    );
  });

  it('a one-time task returned to active can be completed again', async () => {
    proves('s5.2.undo.one-time');
    const task = await createTask(owner, residenceId, { frequency: 'once' });
    const c = await completeAt(task.id, instantAgo(1));
    expectStatus(await deleteCompletion(owner, c.id), 204);
    expectStatus(await quickComplete(owner, task.id), 201);
    expect((await readTask(owner, task.id)).completion_count).toBe(1);
  });

  it('deleting the latest of a recurring task takes next_due_date from the latest remaining', async () => {
    proves('s5.2.undo.recurring');
    const task = await createTask(owner, residenceId, { frequency: 'monthly' });
    await completeAt(task.id, '2024-01-31T12:00:00.000Z');
    const latest = await completeAt(task.id, '2024-04-15T12:00:00.000Z');
    await completeAt(task.id, '2024-02-10T12:00:00.000Z');
    expect((await readTask(owner, task.id)).next_due_date).toBe('2024-05-15');

    expectStatus(await deleteCompletion(owner, latest.id), 204);
    const after = await readTask(owner, task.id);
    expect(after.next_due_date).toBe('2024-03-10');
    expect(after.completion_count).toBe(2);
    expectSameInstant(after.last_completed_at, '2024-02-10T12:00:00.000Z');
  });

  it('deleting an older completion of a recurring task leaves next_due_date', async () => {
    proves('s5.2.undo.recurring');
    const task = await createTask(owner, residenceId, { frequency: 'weekly' });
    const older = await completeAt(task.id, '2024-01-01T12:00:00.000Z');
    await completeAt(task.id, '2024-02-01T12:00:00.000Z');
    expectStatus(await deleteCompletion(owner, older.id), 204);
    const after = await readTask(owner, task.id);
    expect(after.next_due_date).toBe('2024-02-08');
    expect(after.completion_count).toBe(1);
  });

  it('deleting the last completion of a recurring task sets next_due_date to null', async () => {
    proves('s5.2.undo.recurring-none');
    const task = await createTask(owner, residenceId, {
      frequency: 'weekly',
      dueDate: '2020-01-01',
    });
    const c = await completeAt(task.id, '2024-02-01T12:00:00.000Z');
    expectStatus(await deleteCompletion(owner, c.id), 204);
    const after = await readTask(owner, task.id);
    expect(after).toMatchObject({
      next_due_date: null,
      completion_count: 0,
      last_completed_at: null,
      kanban_column: 'overdue', // back on its own due_date
    });
  });
});

suite('§5.2 quick-complete is a completion at now, with no notes', () => {
  it('answers 201 with the task, completed', async () => {
    proves('s5.2.quick.created');
    const task = await createTask(owner, residenceId, { frequency: 'once' });
    const res = await quickComplete(owner, task.id);
    expectStatus(res, 201);
    expect(res.body).toMatchObject({
      id: task.id,
      completion_count: 1,
      kanban_column: 'completed',
    });
  });

  it('stores one completion at now with no notes', async () => {
    proves('s5.2.quick.now-no-notes');
    const task = await createTask(owner, residenceId, { frequency: 'once' });
    const t0 = Date.now();
    expectStatus(await quickComplete(owner, task.id), 201);
    const t1 = Date.now();
    const completions = await listCompletions(owner, task.id);
    expect(completions).toHaveLength(1);
    // "no notes": empty, null or absent (§12 leaves the default of optional text open)
    expect(['', null, undefined]).toContain(completions[0].notes);
    const at = Date.parse(completions[0].completed_at);
    expect(at).toBeGreaterThanOrEqual(t0 - CLOCK_SLACK_MS);
    expect(at).toBeLessThanOrEqual(t1 + CLOCK_SLACK_MS);
  });

  it('advances a recurring task from today', async () => {
    proves('s5.2.quick.created', 's5.2.next-due.latest');
    const task = await createTask(owner, residenceId, { frequency: 'biweekly' });
    const { result: res, todays } = await aroundToday(() => quickComplete(owner, task.id));
    expectStatus(res, 201);
    expect(todays.map((t) => addDays(t, 14))).toContain(res.body.next_due_date);
    expect(res.body.completion_count).toBe(1);
  });

  it('after a backdated later completion, leaves next_due_date to the latest', async () => {
    proves('s5.2.next-due.latest');
    // a completion 3 minutes ahead (allowed) is later than quick-complete's now
    const task = await createTask(owner, residenceId, { frequency: 'daily' });
    const ahead = instantAgo(0, -3);
    await completeAt(task.id, ahead);
    expectStatus(await quickComplete(owner, task.id), 201);
    const after = await readTask(owner, task.id);
    expect(after.next_due_date).toBe(addDays(dateIn(ahead), 1));
    expect(after.completion_count).toBe(2);
    expectSameInstant(after.last_completed_at, ahead);
  });
});

// ── completions as resources ──────────────────────────────────────────────────────────────

/** The operations the resource tests call: a document without one skips them by name (printed). */
const resourceSuite = requireOps(
  ...WORLD_OPS,
  ...FACTORY_OPS.task,
  ...FACTORY_OPS.completion,
  'getCompletion',
  'listCompletions',
);

let w: Readonly<World>;
let weekly: number;

// the file's world and static data's ids (fixtures, built only when a test runs)
if (resourceSuite.ok) {
  test.beforeAll(({ world, staticIds }) => {
    w = world;
    weekly = staticIds.task_frequencies.weekly;
  });
}

const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function createCompletion(body: Record<string, unknown>, as = w.owner): Promise<ApiResponse> {
  return api.call('createCompletion', { as, body });
}

const recurringTask = () => newTask(w.owner, w.residence, { frequency_id: weekly });

resourceSuite('§5.2 POST /api/task-completions/', () => {
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

resourceSuite('§5.2 GET /api/task-completions/{id}/', () => {
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

resourceSuite('§5.2 GET /api/task-completions/?task_id= pages', () => {
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
