/**
 * §5.1 Lifecycle: the transition table, one test a cell.
 *
 * TABLE (fixtures/models/task-lifecycle/table.ts, next to the model that reads it too) is the
 * contract's table as data (action ↓ / state →); the `archived` column expands into the four
 * states a task can be archived from, and the complete row covers both
 * `POST /api/task-completions/` and `quick-complete`. Each test reaches its state through the
 * API only, applies the action and checks the answer and the task's fields afterwards; a refused
 * cell also checks that a full read before and after is equal.
 *
 * Every task is created with `due_date` 2020-01-01 (always in the past), so an open task sits in
 * `overdue` and a recurring completion visibly moves it: its `next_due_date` (today + 7, weekly)
 * becomes the effective due date and the task moves to `due_soon`.
 */
import type { Actor } from '../fixtures/harness/actors.ts';
import { describe, expect, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';
import { expectError, expectStatus, type ApiResponse } from '../fixtures/harness/client/client.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { tagged } from '../fixtures/harness/run.ts';
import { addDays, todayIn, type IsoDate } from '../fixtures/models/task-lifecycle/dates.ts';
import {
  act,
  postCompletion,
  createTask,
  deleteTask,
  getTask,
  patchTask,
  quickComplete,
  readTask,
  type Task,
  LIFECYCLE_OPS,
} from '../fixtures/harness/factories.ts';
import { aroundToday } from '../fixtures/models/task-lifecycle/live.ts';
import {
  ACTIONS,
  baseOf,
  cellOf,
  describeCell,
  fromsOf,
  resultOf,
  type Action,
  type Base,
  type From,
  type Kind,
} from '../fixtures/models/task-lifecycle/table.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(...FACTORY_OPS.user, ...FACTORY_OPS.residence, ...LIFECYCLE_OPS);

// ---------------------------------------------------------------- the table

// TABLE (fixtures/models/task-lifecycle/table.ts) is §5.1 as data, the one table the lifecycle
// model reads too; each test below is one of its cells.

/** The rule each cell proves (fixtures/contract-rules.yaml); quick-complete is the complete row. */
// prettier-ignore
const RULES: Record<Action, Record<Base | 'archived', string>> = {
  'mark-in-progress': { active: 's5.1.mark-in-progress.active', 'in progress': 's5.1.mark-in-progress.in-progress', done: 's5.1.mark-in-progress.done', cancelled: 's5.1.mark-in-progress.cancelled', archived: 's5.1.mark-in-progress.archived' },
  cancel:             { active: 's5.1.cancel.active', 'in progress': 's5.1.cancel.in-progress', done: 's5.1.cancel.done', cancelled: 's5.1.cancel.cancelled', archived: 's5.1.cancel.archived' },
  uncancel:           { active: 's5.1.uncancel.active', 'in progress': 's5.1.uncancel.in-progress', done: 's5.1.uncancel.done', cancelled: 's5.1.uncancel.cancelled', archived: 's5.1.uncancel.archived' },
  archive:            { active: 's5.1.archive.active', 'in progress': 's5.1.archive.in-progress', done: 's5.1.archive.done', cancelled: 's5.1.archive.cancelled', archived: 's5.1.archive.archived' },
  unarchive:          { active: 's5.1.unarchive.active', 'in progress': 's5.1.unarchive.in-progress', done: 's5.1.unarchive.done', cancelled: 's5.1.unarchive.cancelled', archived: 's5.1.unarchive.archived' },
  complete:           { active: 's5.1.complete.active', 'in progress': 's5.1.complete.in-progress', done: 's5.1.complete.done', cancelled: 's5.1.complete.cancelled', archived: 's5.1.complete.archived' },
  'quick-complete':   { active: 's5.1.complete.active', 'in progress': 's5.1.complete.in-progress', done: 's5.1.complete.done', cancelled: 's5.1.complete.cancelled', archived: 's5.1.complete.archived' },
  PATCH:              { active: 's5.1.patch.active', 'in progress': 's5.1.patch.in-progress', done: 's5.1.patch.done', cancelled: 's5.1.patch.cancelled', archived: 's5.1.patch.archived' },
  DELETE:             { active: 's5.1.delete.active', 'in progress': 's5.1.delete.in-progress', done: 's5.1.delete.done', cancelled: 's5.1.delete.cancelled', archived: 's5.1.delete.archived' },
};

const ruleOf = (action: Action, from: From): string =>
  RULES[action][from.startsWith('archived') ? 'archived' : (from as Base)];

// ---------------------------------------------------------------- the task's fields per state

const PAST_DUE: IsoDate = '2020-01-01';

interface Fields {
  in_progress: boolean;
  is_cancelled: boolean;
  is_archived: boolean;
  completion_count: number;
  next_due_date: IsoDate | null;
  kanban_column: string | null;
}

/** The fields of a task in each state (weekly for recurring, due 2020-01-01, UTC). */
function fieldsOf(state: From | 'active, due date advanced', today: IsoDate): Fields {
  const active: Fields = {
    in_progress: false,
    is_cancelled: false,
    is_archived: false,
    completion_count: 0,
    next_due_date: null,
    kanban_column: 'overdue',
  };
  switch (state) {
    case 'active':
      return active;
    case 'in progress':
      return { ...active, in_progress: true, kanban_column: 'in_progress' };
    case 'done':
      return { ...active, completion_count: 1, kanban_column: 'completed' };
    case 'cancelled':
      return { ...active, is_cancelled: true, kanban_column: 'cancelled' };
    case 'active, due date advanced':
      return {
        ...active,
        completion_count: 1,
        next_due_date: addDays(today, 7),
        kanban_column: 'due_soon',
      };
    default:
      return { ...fieldsOf(baseOf(state), today), is_archived: true, kanban_column: null };
  }
}

function pick(task: Task): Fields {
  const { in_progress, is_cancelled, is_archived, completion_count, next_due_date, kanban_column } =
    task;
  return { in_progress, is_cancelled, is_archived, completion_count, next_due_date, kanban_column };
}

/** Assert the task's fields are those of `state` for one of the todays (guard band). */
function expectFields(task: Task, state: From | 'active, due date advanced', todays: IsoDate[]) {
  const candidates = todays.map((t) => fieldsOf(state, t));
  const actual = pick(task);
  const match = candidates.find((c) => JSON.stringify(c) === JSON.stringify(actual));
  expect(actual, `task ${task.id} should be ${state}`).toEqual(match ?? candidates[0]);
}

// ---------------------------------------------------------------- reaching a state, applying an action

let owner: Actor;
let residenceId: number;

// the file's owner and residence (one `home` fixture per file, built only when a test runs)
if (suite.ok) {
  test.beforeAll(({ home }) => {
    owner = home.owner;
    residenceId = home.residence.id;
  });
}

async function expectStep(res: Promise<ApiResponse>, status: number): Promise<void> {
  expectStatus(await res, status);
}

/** Create a task of `kind` and bring it to `from` with API calls only. */
async function reach(kind: Kind, from: From): Promise<Task> {
  const task = await createTask(owner, residenceId, {
    frequency: kind === 'one-time' ? 'once' : 'weekly',
    dueDate: PAST_DUE,
  });
  const base = baseOf(from);
  if (base === 'in progress') await expectStep(act(owner, task.id, 'mark-in-progress'), 200);
  if (base === 'done') await expectStep(postCompletion(owner, task.id), 201);
  if (base === 'cancelled') await expectStep(act(owner, task.id, 'cancel'), 200);
  if (from.startsWith('archived')) await expectStep(act(owner, task.id, 'archive'), 200);
  return task;
}

const PATCHED_TITLE = tagged('patched by the transition table');

function apply(action: Action, taskId: number): Promise<ApiResponse> {
  switch (action) {
    case 'complete':
      return postCompletion(owner, taskId);
    case 'quick-complete':
      return quickComplete(owner, taskId);
    case 'PATCH':
      return patchTask(owner, taskId, { title: PATCHED_TITLE });
    case 'DELETE':
      return deleteTask(owner, taskId);
    default:
      return act(owner, taskId, action);
  }
}

function successStatus(action: Action): number {
  if (action === 'complete' || action === 'quick-complete') return 201;
  if (action === 'DELETE') return 204;
  return 200;
}

/** Whether the successful answer is the task (actions, quick-complete, PATCH). */
const answersTask = (action: Action) => action !== 'complete' && action !== 'DELETE';

// ---------------------------------------------------------------- the tests

for (const kind of ['one-time', 'recurring'] as const) {
  suite(`§5.1 transition table, ${kind} task${kind === 'recurring' ? ' (weekly)' : ''}`, () => {
    const rows = ACTIONS.flatMap((action) =>
      fromsOf(kind).map((from) => ({ action, from, cell: cellOf(action, from, kind) })),
    );
    it.each(rows.map((r) => [`${r.action} on ${r.from} → ${describeCell(r.cell)}`, r] as const))(
      '%s',
      async (_cell, { action, from, cell }) => {
        proves(ruleOf(action, from));
        const task = await reach(kind, from);
        const before = await readTask(owner, task.id);
        expectFields(before, from, [todayIn('UTC')]); // the state was reached

        const { result: res, todays } = await aroundToday(() => apply(action, task.id));

        if (cell === 409) {
          proves('s5.1.refused-409', 's5.1.refused-unchanged');
          expectError(res, 409, 'invalid_transition');
          expect(await readTask(owner, task.id), 'a refused transition changes nothing').toEqual(
            before,
          );
          return;
        }

        expectStatus(res, successStatus(action));
        const result = resultOf(cell, from);
        if (result === 'deleted') {
          expectError(await getTask(owner, task.id), 404, 'not_found');
          return;
        }
        const after = await readTask(owner, task.id);
        expectFields(after, result, todays);
        if (action === 'PATCH') expect(after.title).toBe(PATCHED_TITLE);
        if (answersTask(action)) {
          if (action !== 'PATCH' && action !== 'quick-complete') proves('s5.1.action-answer');
          expect(res.body, 'the answer is the task as it now is').toEqual(after);
        } else if (action === 'complete') {
          expect(res.body.task_id).toBe(task.id);
        }
      },
    );
  });
}
