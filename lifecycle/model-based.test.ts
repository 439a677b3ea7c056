/**
 * §5 as a state machine: fast-check drives random sequences of every action (lifecycle actions,
 * completions at now or backdated, quick-completes, completion deletions, patches, deletion)
 * against one live task and the in-suite model (fixtures/models/task-lifecycle/); after every
 * command the live task equals the model. A failure shrinks to a short sequence and replays
 * from the printed seed (CASERA_FC_SEED).
 */
import type { Actor } from '../fixtures/harness/actors.ts';
import { describe, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';

import { fc, fcAssert } from '../fixtures/harness/fc.ts';
import { proves } from '../fixtures/harness/rules.ts';
import {
  dueDaysArb,
  frequencyArb,
  lifecycleCommands,
  type FrequencyChoice,
} from '../fixtures/models/task-lifecycle/commands.ts';
import { addDays, todayIn } from '../fixtures/models/task-lifecycle/dates.ts';
import { TaskModel } from '../fixtures/models/task-lifecycle/model.ts';
import { expectLiveMatches, type LifecycleReal } from '../fixtures/models/task-lifecycle/real.ts';
import { createTask, LIFECYCLE_OPS } from '../fixtures/harness/factories.ts';
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

const RUNS = 15;
const MAX_COMMANDS = 20;
const TIMEOUT_MS = 600_000;

function sequenceProperty(initial: fc.Arbitrary<FrequencyChoice>) {
  return fc.asyncProperty(
    initial,
    dueDaysArb,
    lifecycleCommands(MAX_COMMANDS),
    async ({ frequency, customIntervalDays }, dueDays, commands) => {
      const dueDate = dueDays === null ? null : addDays(todayIn('UTC'), dueDays);
      const task = await createTask(owner, residenceId, { frequency, customIntervalDays, dueDate });
      const model = new TaskModel({ title: task.title, frequency, customIntervalDays, dueDate });
      const real: LifecycleReal = { as: owner, residenceId, taskId: task.id };
      await expectLiveMatches(model, real, [todayIn('UTC')]);
      await fc.asyncModelRun(() => ({ model, real }), commands);
    },
  );
}

const RULES = [
  's5.1.archived-is-flag',
  's5.1.refused-409',
  's5.1.mark-in-progress.active',
  's5.1.cancel.in-progress',
  's5.1.uncancel.cancelled',
  's5.1.unarchive.archived',
  's5.1.complete.active',
  's5.1.complete.in-progress',
  's5.1.complete.done',
  's5.1.patch.archived',
  's5.1.delete.archived',
  's5.2.next-due.latest',
  's5.2.next-due.backdated',
  's5.2.undo.one-time',
  's5.2.undo.recurring',
  's5.2.undo.recurring-none',
  's5.3.kanban-column.get',
  's5.3.next-due.from-completions',
  's5.3.next-due.frequency-change',
];

suite('§5 model-based: random action sequences keep the live task equal to the model', () => {
  it(
    'a one-time task under random actions equals the model after every step',
    async () => {
      proves(...RULES);
      await fcAssert(
        sequenceProperty(
          fc.constant<FrequencyChoice>({ frequency: 'once', customIntervalDays: null }),
        ),
        { name: 'lifecycle model, one-time task', numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'a recurring task under random actions equals the model after every step',
    async () => {
      proves(...RULES);
      await fcAssert(sequenceProperty(frequencyArb.filter((f) => f.frequency !== 'once')), {
        name: 'lifecycle model, recurring task',
        numRuns: RUNS,
      });
    },
    TIMEOUT_MS,
  );
});
