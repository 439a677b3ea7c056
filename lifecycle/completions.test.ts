/**
 * §5.2 Completions: which completion drives next_due_date, completed_at's default and its
 * 5-minute future bound, deleting a completion, and quick-complete as a completion at now.
 * Requests run in UTC; dates that depend on today accept the today before or after the request.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { api, expectError, expectStatus, type Actor } from '../fixtures/harness/client/client.ts';
import { newResidence, newUser } from '../fixtures/harness/factories.ts';
import { proves } from '../fixtures/harness/rules.ts';
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
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...FACTORY_OPS.user,
  ...FACTORY_OPS.residence,
  ...LIFECYCLE_OPS,
  'getCompletion',
);

let owner: Actor;
let residenceId: number;

beforeAll(async () => {
  if (!suite.ok) return;
  owner = await newUser({ name: 'owner' });
  residenceId = (await newResidence(owner)).id;
});

/**
 * Tolerance for "now": the API and the suite read the same clock; the API may emit whole
 * seconds (§12), so an instant may read up to a second early.
 */
const CLOCK_SLACK_MS = 1_000;

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
