/**
 * §5.1: archived is a flag over any other state, and `unarchive` restores exactly the state it
 * was archived from. For each of the four states (and recurring tasks carrying a completion), the
 * full read after archive → unarchive equals the read before archive, but for `updated_at`.
 */
import type { Actor } from '../fixtures/harness/actors.ts';
import { describe, expect, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';
import { expectStatus } from '../fixtures/harness/client/client.ts';
import { proves } from '../fixtures/harness/rules.ts';
import {
  act,
  postCompletion,
  createTask,
  readTask,
  type TaskAction,
  type NewTask,
  type Task,
  LIFECYCLE_OPS,
} from '../fixtures/harness/factories.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(...FACTORY_OPS.user, ...FACTORY_OPS.residence, ...LIFECYCLE_OPS);

let owner: Actor;
let residenceId: number;

// the file's owner and residence (one `home` fixture per file, built only when a test runs)
if (suite.ok) {
  test.beforeAll(({ home }) => {
    owner = home.owner;
    residenceId = home.residence.id;
  });
}

type Step = TaskAction | 'complete';

interface Row {
  state: string;
  task: NewTask;
  steps: Step[];
  flags: { in_progress: boolean; is_cancelled: boolean; completion_count: number };
}

const ONCE: NewTask = { frequency: 'once', dueDate: '2020-01-01' };
const WEEKLY: NewTask = { frequency: 'weekly', dueDate: '2020-01-01' };

// prettier-ignore
const ROWS: Row[] = [
  { state: 'active',                              task: ONCE,   steps: [],                                 flags: { in_progress: false, is_cancelled: false, completion_count: 0 } },
  { state: 'in progress',                         task: ONCE,   steps: ['mark-in-progress'],               flags: { in_progress: true,  is_cancelled: false, completion_count: 0 } },
  { state: 'done',                                task: ONCE,   steps: ['complete'],                       flags: { in_progress: false, is_cancelled: false, completion_count: 1 } },
  { state: 'cancelled',                           task: ONCE,   steps: ['cancel'],                         flags: { in_progress: false, is_cancelled: true,  completion_count: 0 } },
  { state: 'recurring active with a completion',  task: WEEKLY, steps: ['complete'],                       flags: { in_progress: false, is_cancelled: false, completion_count: 1 } },
  { state: 'recurring in progress after a completion', task: WEEKLY, steps: ['complete', 'mark-in-progress'], flags: { in_progress: true, is_cancelled: false, completion_count: 1 } },
  { state: 'recurring cancelled after a completion', task: WEEKLY, steps: ['complete', 'cancel'],          flags: { in_progress: false, is_cancelled: true,  completion_count: 1 } },
];

const withoutUpdatedAt = ({ updated_at: _ignored, ...rest }: Task) => rest;

suite('§5.1 unarchive restores the state it was archived from', () => {
  it.each(ROWS.map((r) => [r.state, r.state, r] as const))(
    'archive then unarchive on %s → %s again',
    async (_from, _to, row) => {
      proves('s5.1.unarchive.archived', 's5.1.archived-is-flag');
      const task = await createTask(owner, residenceId, row.task);
      for (const step of row.steps) {
        if (step === 'complete') expectStatus(await postCompletion(owner, task.id), 201);
        else expectStatus(await act(owner, task.id, step), 200);
      }
      const before = await readTask(owner, task.id);
      expect(before).toMatchObject(row.flags);

      const archived = expectStatus(await act(owner, task.id, 'archive'), 200).body;
      expect(archived).toMatchObject({ ...row.flags, is_archived: true, kanban_column: null });

      const restored = expectStatus(await act(owner, task.id, 'unarchive'), 200).body;
      expect(withoutUpdatedAt(restored)).toEqual(withoutUpdatedAt(before));
      expect(withoutUpdatedAt(await readTask(owner, task.id))).toEqual(withoutUpdatedAt(before));
    },
  );
});
