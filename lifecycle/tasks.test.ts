/**
 * §5 Tasks: create, read, patch, delete and the field rules (title length, estimated_cost,
 * assignee, frequency, custom_interval_days) and the effective due date. Each test names the
 * rule it proves; expected values come from the contract text and the oracles, never from the
 * target's own answers. Requests carry no X-Timezone: the users' profile timezone is UTC (§3
 * default), and checks that depend on today accept the UTC today before or after the request.
 */
import { describe, expect, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';
import {
  api,
  expectError,
  expectStatus,
  type ApiResponse,
} from '../fixtures/harness/client/client.ts';
import { newTask, type StaticIds, type World } from '../fixtures/harness/factories.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { tagged } from '../fixtures/harness/run.ts';
import { addDays, instantAgo, todayIn } from '../fixtures/models/task-lifecycle/dates.ts';
import { readTask } from '../fixtures/harness/factories.ts';
import { aroundToday } from '../fixtures/models/task-lifecycle/live.ts';
import { categorise, DEFAULT_KANBAN_DAYS, KANBAN_COLUMNS } from '../fixtures/oracles/categorise.ts';
import { nextDueDate } from '../fixtures/oracles/next-due-date.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS, WORLD_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...WORLD_OPS,
  ...FACTORY_OPS.task,
  'archiveTask',
  'createCompletion',
  'deleteTask',
  'getTask',
  'listArchivedTasks',
  'listTasks',
  'updateTask',
);

let w: Readonly<World>;
let ids: StaticIds;

// the file's world and static data's ids (fixtures, built only when a test runs)
if (suite.ok) {
  test.beforeAll(({ world, staticIds }) => {
    w = world;
    ids = staticIds;
  });
}

/** The fields §5 lists, in its order. */
const TASK_FIELDS = [
  'id',
  'residence_id',
  'title',
  'description',
  'category_id',
  'priority_id',
  'frequency_id',
  'custom_interval_days',
  'due_date',
  'next_due_date',
  'in_progress',
  'is_cancelled',
  'is_archived',
  'completion_count',
  'last_completed_at',
  'assigned_to_id',
  'estimated_cost',
  'created_by_id',
  'created_at',
  'updated_at',
  'kanban_column',
] as const;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** §1: instants are RFC 3339 and the API emits UTC (`…Z`). */
const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
/** §1: money is a decimal string with at most 2 decimals in responses. */
const MONEY = /^\d+(\.\d{1,2})?$/;

const firstId = (list: { id: number }[] | undefined): number => {
  if (!list || list.length === 0) throw new Error('static data list is empty');
  return list[0].id;
};

/** A create body names its frequency (static data's `once` unless given): §5 states no default. */
function createTask(body: Record<string, unknown>, as = w.owner): Promise<ApiResponse> {
  return api.call('createTask', {
    as,
    body: {
      residence_id: w.residence.id,
      title: tagged('task rules'),
      frequency_id: ids.task_frequencies.once,
      ...body,
    },
  });
}

/** A refusal §5 fixes as 400 (details.<field> is the target's choice there, §12). */
function expectInvalid(res: ApiResponse): void {
  expectError(res, 400, 'validation_error');
}

function patchTask(id: number, body: Record<string, unknown>, as = w.owner): Promise<ApiResponse> {
  return api.call('updateTask', { as, path: { id }, body });
}

/** The money string answered for `value` equals it numerically and has at most 2 decimals. */
function expectMoney(value: unknown, expected: number): void {
  expect(typeof value, `money ${JSON.stringify(value)} is a string`).toBe('string');
  expect(value as string).toMatch(MONEY);
  expect(Number(value)).toBe(expected);
}

suite('§5 task fields', () => {
  it('a task carries every field §5 lists, each of its type', async () => {
    proves('s5.fields');
    const task = (await createTask({})).body;
    expect(Object.keys(task)).toEqual(expect.arrayContaining([...TASK_FIELDS]));
    expect(Number.isInteger(task.id) && task.id > 0).toBe(true);
    expect(task.residence_id).toBe(w.residence.id);
    expect(typeof task.title).toBe('string');
    // optional text: '' or null when not sent (§12)
    expect(task.description === null || typeof task.description === 'string').toBe(true);
    for (const f of ['category_id', 'priority_id', 'custom_interval_days', 'assigned_to_id']) {
      expect(task[f] === null || Number.isInteger(task[f]), `${f}: ${task[f]}`).toBe(true);
    }
    expect(Number.isInteger(task.frequency_id)).toBe(true);
    for (const f of ['due_date', 'next_due_date']) {
      expect(task[f] === null || ISO_DATE.test(task[f]), `${f}: ${task[f]}`).toBe(true);
    }
    for (const f of ['in_progress', 'is_cancelled', 'is_archived']) {
      expect(typeof task[f], f).toBe('boolean');
    }
    expect(task.completion_count).toBe(0);
    expect(task.last_completed_at).toBeNull();
    expect(task.estimated_cost === null || MONEY.test(task.estimated_cost)).toBe(true);
    expect(task.created_by_id).toBe(w.owner.id);
    expect(task.created_at).toMatch(UTC_INSTANT);
    expect(task.updated_at).toMatch(UTC_INSTANT);
    expect(task.kanban_column === null || KANBAN_COLUMNS.includes(task.kanban_column)).toBe(true);
  });

  it('a fully filled task answers its dates, instants, money and ids in their §5 types', async () => {
    proves('s5.fields');
    const res = await createTask({
      description: 'every field',
      category_id: firstId(ids.raw.task_categories),
      priority_id: firstId(ids.raw.task_priorities),
      frequency_id: ids.task_frequencies.weekly,
      due_date: '2031-05-06',
      assigned_to_id: w.member.id,
      estimated_cost: '7.25',
    });
    expectStatus(res, 201);
    expect(res.body.due_date).toBe('2031-05-06');
    expectMoney(res.body.estimated_cost, 7.25);
    const done = await api.call('createCompletion', {
      as: w.owner,
      body: { task_id: res.body.id, completed_at: '2024-03-10T12:00:00.000Z' },
    });
    expectStatus(done, 201);
    const task = await readTask(w.owner, res.body.id);
    expect(task.next_due_date).toBe('2024-03-17');
    expect(task.completion_count).toBe(1);
    expect(task.last_completed_at).toMatch(UTC_INSTANT);
    // whole seconds sent: equal at any precision the target emits (§12)
    expect(Date.parse(task.last_completed_at)).toBe(Date.parse('2024-03-10T12:00:00.000Z'));
  });

  it('title of 1 and of 200 characters is accepted', async () => {
    proves('s5.title-length');
    const one = await createTask({ title: 'x' });
    expectStatus(one, 201);
    expect(one.body.title).toBe('x');
    const long = tagged('t').padEnd(200, 'x');
    expect(long).toHaveLength(200);
    const max = await createTask({ title: long });
    expectStatus(max, 201);
    expect(max.body.title).toBe(long);
  });

  it('title empty or of 201 characters → 400, on create and on patch', async () => {
    proves('s5.title-length');
    const tooLong = tagged('t').padEnd(201, 'x');
    expectInvalid(await createTask({ title: '' }));
    expectInvalid(await createTask({ title: tooLong }));
    const task = await newTask(w.owner, w.residence);
    expectInvalid(await patchTask(task.id, { title: '' }));
    expectInvalid(await patchTask(task.id, { title: tooLong }));
    expect((await readTask(w.owner, task.id)).title).toBe(task.title);
  });

  it('estimated_cost ≥ 0 is accepted and answered as a decimal string', async () => {
    proves('s5.estimated-cost-nonnegative');
    const zero = await createTask({ estimated_cost: '0' });
    expectStatus(zero, 201);
    expectMoney(zero.body.estimated_cost, 0);
    const half = await createTask({ estimated_cost: 12.5 });
    expectStatus(half, 201);
    expectMoney(half.body.estimated_cost, 12.5);
    expectMoney((await readTask(w.owner, half.body.id)).estimated_cost, 12.5);
    const patched = await patchTask(zero.body.id, { estimated_cost: '99999999.99' });
    expectStatus(patched, 200);
    expectMoney(patched.body.estimated_cost, 99999999.99);
  });

  it('a negative estimated_cost → 400, on create and on patch', async () => {
    proves('s5.estimated-cost-nonnegative');
    expectInvalid(await createTask({ estimated_cost: '-0.01' }));
    expectInvalid(await createTask({ estimated_cost: -5 }));
    const task = await newTask(w.owner, w.residence, { estimated_cost: '3.00' });
    expectInvalid(await patchTask(task.id, { estimated_cost: '-1.00' }));
    expectMoney((await readTask(w.owner, task.id)).estimated_cost, 3);
  });
});

suite('§5 create, read, patch, delete', () => {
  it('POST /api/tasks/ → 201 with the task as sent, created by the caller', async () => {
    proves('s5.create');
    const body = {
      title: tagged('created with every writable field'),
      description: 'clean the gutters',
      category_id: firstId(ids.raw.task_categories),
      priority_id: firstId(ids.raw.task_priorities),
      frequency_id: ids.task_frequencies.monthly,
      due_date: '2030-01-15',
      assigned_to_id: w.member.id,
      estimated_cost: '45.50',
    };
    const res = await createTask(body, w.member);
    expectStatus(res, 201);
    const { estimated_cost, ...rest } = body;
    expect(res.body).toMatchObject({
      ...rest,
      residence_id: w.residence.id,
      custom_interval_days: null,
      next_due_date: null,
      in_progress: false,
      is_cancelled: false,
      is_archived: false,
      completion_count: 0,
      last_completed_at: null,
      created_by_id: w.member.id,
    });
    expectMoney(res.body.estimated_cost, Number(estimated_cost));
    expect(Number.isInteger(res.body.id) && res.body.id > 0).toBe(true);
    // stored: the owner reads the same task back
    const { updated_at: _u, kanban_column: _k, ...stored } = await readTask(w.owner, res.body.id);
    const { updated_at: _u2, kanban_column: _k2, ...answered } = res.body;
    expect(stored).toEqual(answered);
  });

  it('POST /api/tasks/ without optional fields → 201, a fresh active task', async () => {
    proves('s5.create');
    const title = tagged('minimal');
    const res = await createTask({ title });
    expectStatus(res, 201);
    // optional text defaults to '' or null; other defaults the contract does not state are not
    // asserted (§12)
    expect(['', null]).toContain(res.body.description);
    expect(res.body).toMatchObject({
      title,
      residence_id: w.residence.id,
      frequency_id: ids.task_frequencies.once,
      due_date: null,
      next_due_date: null,
      completion_count: 0,
      in_progress: false,
      is_cancelled: false,
      is_archived: false,
      created_by_id: w.owner.id,
      // no effective due date → upcoming (§5.3 rule 5)
      kanban_column: 'upcoming',
    });
  });

  it('GET /api/tasks/{id}/ → 200 with the task, for the owner and for a member', async () => {
    proves('s5.read');
    const created = await newTask(w.owner, w.residence, {
      description: 'read me',
      due_date: null,
    });
    for (const as of [w.owner, w.member]) {
      const res = await api.call('getTask', { as, path: { id: created.id } });
      expectStatus(res, 200);
      expect(res.body, `read as ${as.name}`).toEqual(created);
    }
  });

  it('GET /api/tasks/{id}/ carries kanban_column for the default days (30): due in 20 days is due soon, in 45 upcoming', async () => {
    proves('s5.3.kanban-column.get');
    // the owner's profile zone is UTC; ±1 day of clock drift keeps both on their side of today + 30
    const today = todayIn('UTC');
    const soon = await newTask(w.owner, w.residence, { due_date: addDays(today, 20) });
    const later = await newTask(w.owner, w.residence, { due_date: addDays(today, 45) });
    expect((await readTask(w.owner, soon.id)).kanban_column).toBe('due_soon');
    expect((await readTask(w.owner, later.id)).kanban_column).toBe('upcoming');
  });

  it('PATCH /api/tasks/{id}/ changes the fields sent and leaves the others', async () => {
    proves('s5.patch');
    const created = await newTask(w.owner, w.residence, {
      description: 'before',
      due_date: '2030-02-01',
      estimated_cost: '10.00',
    });
    const change = {
      title: tagged('after the patch'),
      description: 'after',
      due_date: '2030-03-01',
      assigned_to_id: w.member.id,
      priority_id: firstId(ids.raw.task_priorities),
    };
    const res = await patchTask(created.id, change, w.member);
    expectStatus(res, 200);
    expect(res.body).toMatchObject({
      ...change,
      id: created.id,
      residence_id: created.residence_id,
      frequency_id: created.frequency_id,
      created_by_id: w.owner.id,
      created_at: created.created_at,
    });
    expectMoney(res.body.estimated_cost, 10);
    expect(Date.parse(res.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
    expect(await readTask(w.owner, created.id)).toEqual(res.body);
  });

  it('PATCH /api/tasks/{id}/ may clear a nullable field with null', async () => {
    proves('s5.patch');
    const created = await newTask(w.owner, w.residence, {
      due_date: '2030-02-01',
      assigned_to_id: w.owner.id,
    });
    const res = await patchTask(created.id, { due_date: null, assigned_to_id: null });
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ due_date: null, assigned_to_id: null, title: created.title });
    expect(await readTask(w.owner, created.id)).toMatchObject({
      due_date: null,
      assigned_to_id: null,
    });
  });

  it('DELETE /api/tasks/{id}/ → 204; the task is gone from reads, the board and the archive', async () => {
    proves('s5.delete');
    const task = await newTask(w.owner, w.residence);
    const archivedTask = await newTask(w.owner, w.residence);
    expectStatus(
      await api.call('archiveTask', { as: w.owner, path: { id: archivedTask.id } }),
      200,
    );
    for (const t of [task, archivedTask]) {
      const res = await api.call('deleteTask', { as: w.member, path: { id: t.id } });
      expectStatus(res, 204);
      expect(res.text).toBe('');
      expectError(await api.call('getTask', { as: w.owner, path: { id: t.id } }), 404, 'not_found');
    }
    const board = expectStatus(
      await api.call('listTasks', { as: w.owner, query: { residence_id: w.residence.id } }),
      200,
    ).body;
    const onBoard = board.columns.flatMap((c: { tasks: { id: number }[] }) =>
      c.tasks.map((t) => t.id),
    );
    expect(onBoard).not.toContain(task.id);
    const archive = expectStatus(await api.call('listArchivedTasks', { as: w.owner }), 200).body;
    expect(archive.map((t: { id: number }) => t.id)).not.toContain(archivedTask.id);
  });
});

suite('§5 assigned_to_id', () => {
  it('the owner or a member may be assigned, on create and on patch', async () => {
    proves('s5.assignee.member');
    const toOwner = await createTask({ assigned_to_id: w.owner.id }, w.member);
    expectStatus(toOwner, 201);
    expect(toOwner.body.assigned_to_id).toBe(w.owner.id);
    const toMember = await createTask({ assigned_to_id: w.member.id });
    expectStatus(toMember, 201);
    expect(toMember.body.assigned_to_id).toBe(w.member.id);
    const patched = await patchTask(toOwner.body.id, { assigned_to_id: w.member.id });
    expectStatus(patched, 200);
    expect(patched.body.assigned_to_id).toBe(w.member.id);
  });

  it('a member who was removed can no longer be assigned → 400', async () => {
    proves('s5.assignee.member');
    expectInvalid(await createTask({ assigned_to_id: w.removed.id }));
    const task = await newTask(w.owner, w.residence, { assigned_to_id: w.member.id });
    expectInvalid(await patchTask(task.id, { assigned_to_id: w.removed.id }));
    expect((await readTask(w.owner, task.id)).assigned_to_id).toBe(w.member.id);
  });
});

suite('§5 frequency_id and custom_interval_days', () => {
  it('every static frequency is accepted as frequency_id', async () => {
    proves('s5.frequency.static');
    const frequencies = ids.raw.task_frequencies as { id: number; name: string }[];
    expect(frequencies.length).toBeGreaterThan(0);
    for (const f of frequencies) {
      const res = await createTask({
        frequency_id: f.id,
        ...(f.name === 'custom' ? { custom_interval_days: 5 } : {}),
      });
      expectStatus(res, 201);
      expect(res.body.frequency_id, f.name).toBe(f.id);
    }
  });

  it('a frequency_id that names no static frequency → 400', async () => {
    proves('s5.frequency.static');
    const known = (ids.raw.task_frequencies as { id: number }[]).map((f) => f.id);
    const unknown = Math.max(...known) + 1000;
    expectInvalid(await createTask({ frequency_id: unknown }));
    const task = await newTask(w.owner, w.residence);
    expectInvalid(await patchTask(task.id, { frequency_id: unknown }));
    expect((await readTask(w.owner, task.id)).frequency_id).toBe(task.frequency_id);
  });

  it('custom_interval_days of 1 and of 3650 is accepted for custom', async () => {
    proves('s5.custom-interval.range');
    for (const days of [1, 3650]) {
      const res = await createTask({
        frequency_id: ids.task_frequencies.custom,
        custom_interval_days: days,
      });
      expectStatus(res, 201);
      expect(res.body.custom_interval_days).toBe(days);
    }
  });

  it('custom_interval_days outside 1–3650 → 400', async () => {
    proves('s5.custom-interval.range');
    for (const days of [0, -1, 3651]) {
      expectInvalid(
        await createTask({ frequency_id: ids.task_frequencies.custom, custom_interval_days: days }),
      );
    }
    const task = await newTask(w.owner, w.residence, {
      frequency_id: ids.task_frequencies.custom,
      custom_interval_days: 9,
    });
    expectInvalid(await patchTask(task.id, { custom_interval_days: 3651 }));
    expect((await readTask(w.owner, task.id)).custom_interval_days).toBe(9);
  });

  it('custom without custom_interval_days → 400', async () => {
    proves('s5.custom-interval.required');
    expectInvalid(await createTask({ frequency_id: ids.task_frequencies.custom }));
    expectInvalid(
      await createTask({ frequency_id: ids.task_frequencies.custom, custom_interval_days: null }),
    );
    const task = await newTask(w.owner, w.residence, {
      frequency_id: ids.task_frequencies.custom,
      custom_interval_days: 9,
    });
    expectInvalid(await patchTask(task.id, { custom_interval_days: null }));
    const weekly = await newTask(w.owner, w.residence, {
      frequency_id: ids.task_frequencies.weekly,
    });
    expectInvalid(await patchTask(weekly.id, { frequency_id: ids.task_frequencies.custom }));
    expect(await readTask(w.owner, weekly.id)).toMatchObject({
      frequency_id: ids.task_frequencies.weekly,
      custom_interval_days: null,
    });
  });

  it('custom_interval_days with a frequency other than custom → 400', async () => {
    proves('s5.custom-interval.forbidden');
    for (const name of ['once', 'weekly', 'monthly']) {
      expectInvalid(
        await createTask({ frequency_id: ids.task_frequencies[name], custom_interval_days: 10 }),
      );
    }
    const weekly = await newTask(w.owner, w.residence, {
      frequency_id: ids.task_frequencies.weekly,
    });
    expectInvalid(await patchTask(weekly.id, { custom_interval_days: 10 }));
    expect((await readTask(w.owner, weekly.id)).custom_interval_days).toBeNull();
  });
});

suite('§5 the effective due date is next_due_date ?? due_date', () => {
  it('without completions the due_date decides: a past due_date is overdue', async () => {
    proves('s5.effective-due');
    const task = await newTask(w.owner, w.residence, {
      frequency_id: ids.task_frequencies.weekly,
      due_date: '2020-01-01',
    });
    const read = await readTask(w.owner, task.id);
    expect(read.next_due_date).toBeNull();
    expect(read.kanban_column).toBe('overdue');
  });

  it('a next_due_date in the future wins over a past due_date', async () => {
    proves('s5.effective-due');
    const task = await newTask(w.owner, w.residence, {
      frequency_id: ids.task_frequencies.weekly,
      due_date: '2020-01-01',
    });
    // completed one hour ago: next_due_date = its UTC date + 7, within the default 30 days
    const completedAt = instantAgo(0, 60);
    const { result: read, todays } = await aroundToday(async () => {
      expectStatus(
        await api.call('createCompletion', {
          as: w.owner,
          body: { task_id: task.id, completed_at: completedAt },
        }),
        201,
      );
      return readTask(w.owner, task.id);
    });
    const next = nextDueDate('weekly', completedAt, 'UTC');
    expect(read.next_due_date).toBe(next);
    const facts = {
      is_archived: false,
      is_cancelled: false,
      one_time: false,
      completion_count: 1,
      in_progress: false,
      due_date: '2020-01-01',
      next_due_date: next,
    };
    const expected = todays.map((t) => categorise(facts, t, DEFAULT_KANBAN_DAYS));
    expect(expected).not.toContain('overdue'); // the due_date alone would be overdue
    expect(expected).toContain(read.kanban_column);
  });

  it('a past next_due_date wins over a future due_date', async () => {
    proves('s5.effective-due');
    const far = addDays(todayIn('UTC'), 200);
    const task = await newTask(w.owner, w.residence, {
      frequency_id: ids.task_frequencies.weekly,
      due_date: far,
    });
    // completed 30 days ago: next_due_date is about 23 days ago
    const completedAt = instantAgo(30);
    expectStatus(
      await api.call('createCompletion', {
        as: w.owner,
        body: { task_id: task.id, completed_at: completedAt },
      }),
      201,
    );
    const read = await readTask(w.owner, task.id);
    expect(read.due_date).toBe(far);
    expect(read.next_due_date).toBe(nextDueDate('weekly', completedAt, 'UTC'));
    expect(read.kanban_column).toBe('overdue'); // the due_date alone would be upcoming
  });
});
