/**
 * §1: server-computed fields (`id`, `next_due_date`, `completion_count`, `kanban_column`,
 * timestamps) sent in a body → 400 `validation_error`, and nothing is stored or changed. Each
 * PATCH echoes the task's own current value – what a client sending back the object it read
 * would do – so an API that ignores "unchanged" server fields is caught too.
 */
import { describe, expect, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';
import { api, expectError, expectStatus } from '../fixtures/harness/client/client.ts';
import { complete, newTask } from '../fixtures/harness/factories.ts';
import type { Task } from '../fixtures/harness/factories.ts';
import { provesIn } from '../fixtures/harness/rules.ts';
import { tagged } from '../fixtures/harness/run-id.ts';
import type { Scenario } from '../fixtures/harness/scenario.ts';

let s: Scenario;
/** A weekly task with one completion: every server field has a value. */
let task: Task;

test.beforeAll(async ({ scenario }) => {
  s = scenario; // this file's own scenario (a file fixture, frozen)
  const t = await newTask(s.w.owner, s.w.residence, {
    frequency_id: s.ids.task_frequencies.weekly,
  });
  await complete(s.w.owner, t);
  task = expectStatus(await api.call('getTask', { as: s.w.owner, path: { id: t.id } }), 200).body;
});

async function readTask(id: number): Promise<Task> {
  return expectStatus(await api.call('getTask', { as: s.w.owner, path: { id } }), 200).body;
}

/** Titles of every task of the residence (kanban columns and archived list). */
async function titles(): Promise<string[]> {
  const board = expectStatus(
    await api.call('listTasks', { as: s.w.owner, query: { residence_id: s.w.residence.id } }),
    200,
  ).body;
  return board.columns.flatMap((c: { tasks: Task[] }) => c.tasks.map((t) => t.title));
}

const fields: [string, string, (t: Task) => unknown, unknown][] = [
  // [rule, field, the task's own value (PATCH), a plausible value (create)]
  ['s1.server-fields.id', 'id', (t) => t.id, 987_654],
  ['s1.server-fields.next-due-date', 'next_due_date', (t) => t.next_due_date, '2031-01-15'],
  ['s1.server-fields.completion-count', 'completion_count', (t) => t.completion_count, 0],
  ['s1.server-fields.kanban-column', 'kanban_column', (t) => t.kanban_column, 'upcoming'],
  ['s1.server-fields.timestamps', 'created_at', (t) => t.created_at, new Date().toISOString()],
  ['s1.server-fields.timestamps', 'updated_at', (t) => t.updated_at, new Date().toISOString()],
  [
    's1.server-fields.timestamps',
    'last_completed_at',
    (t) => t.last_completed_at,
    new Date().toISOString(),
  ],
];

describe.concurrent('server-computed fields sent in a body answer 400 (§1)', () => {
  for (const [rule, field, own, plausible] of fields) {
    it(`creating a task with \`${field}\` answers 400 and stores no task`, async (ctx) => {
      provesIn(ctx, rule);
      const title = tagged(`server field ${field}`);
      const res = await api.call('createTask', {
        as: s.w.owner,
        body: { residence_id: s.w.residence.id, title, [field]: plausible },
      });
      expectError(res, 400, 'validation_error');
      expect(await titles()).not.toContain(title);
    });

    it(`patching a task with its own \`${field}\` answers 400 and changes nothing`, async (ctx) => {
      provesIn(ctx, rule);
      const value = own(task);
      expect(value, `the task has a ${field} to echo`).not.toBeNull();
      const res = await api.call('updateTask', {
        as: s.w.owner,
        path: { id: task.id },
        body: { title: tagged('renamed by a refused patch'), [field]: value },
      });
      expectError(res, 400, 'validation_error');
      expect(await readTask(task.id)).toEqual(task);
    });
  }

  it('creating a residence with `id` answers 400', async (ctx) => {
    provesIn(ctx, 's1.server-fields.id');
    const res = await api.call('createResidence', {
      as: s.w.owner,
      body: { name: tagged('server field id'), id: s.w.residence.id },
    });
    expectError(res, 400, 'validation_error');
  });

  it('patching a residence with its own `created_at` answers 400 and changes nothing', async (ctx) => {
    provesIn(ctx, 's1.server-fields.timestamps');
    const read = () => api.call('getResidence', { as: s.w.owner, path: { id: s.w.residence.id } });
    const before = expectStatus(await read(), 200).body;
    const res = await api.call('updateResidence', {
      as: s.w.owner,
      path: { id: s.w.residence.id },
      // its own created_at where the answer shows one (residence fields beyond the name are
      // the implementation's), else a plausible instant: a server timestamp either way
      body: { city: 'Refused City', created_at: before.created_at ?? new Date().toISOString() },
    });
    expectError(res, 400, 'validation_error');
    expect(expectStatus(await read(), 200).body.city).toBe(before.city);
  });

  it('creating a completion with `id` answers 400 and stores no completion', async (ctx) => {
    provesIn(ctx, 's1.server-fields.id');
    const t = await newTask(s.w.owner, s.w.residence);
    const res = await api.call('createCompletion', {
      as: s.w.owner,
      body: { task_id: t.id, id: s.completion.id },
    });
    expectError(res, 400, 'validation_error');
    expect((await readTask(t.id)).completion_count).toBe(0);
  });

  it('creating a completion with `created_at` answers 400 and stores no completion', async (ctx) => {
    provesIn(ctx, 's1.server-fields.timestamps');
    const t = await newTask(s.w.owner, s.w.residence);
    const res = await api.call('createCompletion', {
      as: s.w.owner,
      body: { task_id: t.id, created_at: new Date().toISOString() },
    });
    expectError(res, 400, 'validation_error');
    expect((await readTask(t.id)).completion_count).toBe(0);
  });
});
