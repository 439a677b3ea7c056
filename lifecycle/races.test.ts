/**
 * Races (§5.2, §4, §5.1): requests sent at once must end as some serial order of them would.
 * - N concurrent completions or quick-completes of one one-time task: exactly one 201, the rest
 *   409 invalid_transition, one completion stored.
 * - Concurrent joins with one share code: distinct users each join exactly once; the same user
 *   joining concurrently gets one 200 and 409 for the rest.
 * - Concurrent lifecycle actions on one task (cancel ∥ archive, and random mixes): the answers
 *   and the final task equal those of some serial order, replayed on the in-suite model.
 */
import type { Actor } from '../fixtures/harness/actors.ts';
import { describe, expect, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';
import {
  api,
  expectError,
  expectStatus,
  type ApiResponse,
} from '../fixtures/harness/client/client.ts';
import { newResidence, newUser, shareCode } from '../fixtures/harness/factories.ts';
import { fc, fcAssert } from '../fixtures/harness/fc.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { todayIn } from '../fixtures/models/task-lifecycle/dates.ts';
import { TaskModel } from '../fixtures/models/task-lifecycle/model.ts';
import {
  act,
  postCompletion,
  createTask,
  listCompletions,
  quickComplete,
  readTask,
  TASK_ACTIONS,
  type TaskAction,
  LIFECYCLE_OPS,
} from '../fixtures/harness/factories.ts';
import { project } from '../fixtures/models/task-lifecycle/live.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...FACTORY_OPS.user,
  ...FACTORY_OPS.residence,
  ...FACTORY_OPS.member,
  ...LIFECYCLE_OPS,
  'getResidence',
  'listResidenceUsers',
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

const N = 8;

function statuses(responses: ApiResponse[]): number[] {
  return responses.map((r) => r.status).sort();
}

suite('§5.2 concurrent completions of a one-time task: one wins', () => {
  const variants = [
    {
      name: `${N} concurrent POST /api/task-completions/`,
      send: (id: number) => postCompletion(owner, id),
    },
    { name: `${N} concurrent quick-completes`, send: (id: number) => quickComplete(owner, id) },
    {
      name: `${N} concurrent completions and quick-completes mixed`,
      send: (id: number, i: number) =>
        i % 2 ? postCompletion(owner, id) : quickComplete(owner, id),
    },
  ];
  it.each(variants.map((v) => [v.name, v] as const))(
    '%s → exactly one 201, the rest 409 invalid_transition',
    async (_name, v) => {
      proves('s5.2.race.one-wins', 's5.2.race.one-stored', 's5.2.race.loser-code');
      const task = await createTask(owner, residenceId, { frequency: 'once' });
      const responses = await Promise.all(Array.from({ length: N }, (_, i) => v.send(task.id, i)));
      expect(statuses(responses)).toEqual([201, ...Array(N - 1).fill(409)]);
      for (const r of responses.filter((x) => x.status === 409)) {
        expectError(r, 409, 'invalid_transition');
      }
      expect(await listCompletions(owner, task.id)).toHaveLength(1);
      const after = await readTask(owner, task.id);
      expect(after.completion_count).toBe(1);
      expect(after.kanban_column).toBe('completed');
    },
  );
});

suite('§4 concurrent joins with one share code', () => {
  it(`${N} distinct users joining at once → each 200, each a member exactly once`, async () => {
    proves('s4.join.ok');
    const residence = await newResidence(owner);
    const users = await Promise.all(Array.from({ length: N }, () => newUser({ name: 'joiner' })));
    const code = await shareCode(residence, owner);
    const responses = await Promise.all(
      users.map((u) => api.call('joinResidence', { as: u, body: { code } })),
    );
    for (const r of responses) expectStatus(r, 200);
    const list = expectStatus(
      await api.call('listResidenceUsers', { as: owner, path: { id: residence.id } }),
      200,
    ).body as { id: number }[];
    for (const u of users) {
      expect(
        list.filter((x) => x.id === u.id),
        `user ${u.id} listed once`,
      ).toHaveLength(1);
    }
    expect(list).toHaveLength(N + 1);
    expect(list.map((x) => x.id)).toContain(owner.id);
    // each joined as a member (§4): they read the residence, and only its owner shares it
    for (const u of users) {
      expectStatus(await api.call('getResidence', { as: u, path: { id: residence.id } }), 200);
      expectStatus(await api.call('createShareCode', { as: u, path: { id: residence.id } }), 403);
    }
  });

  it(`one user joining ${N} times at once → one 200, the rest 409 conflict`, async () => {
    proves('s4.join.ok', 's4.join.member-again');
    const residence = await newResidence(owner);
    const joiner = await newUser({ name: 'joiner' });
    const code = await shareCode(residence, owner);
    const responses = await Promise.all(
      Array.from({ length: N }, () => api.call('joinResidence', { as: joiner, body: { code } })),
    );
    expect(statuses(responses)).toEqual([200, ...Array(N - 1).fill(409)]);
    for (const r of responses.filter((x) => x.status === 409)) expectError(r, 409, 'conflict');
    const list = expectStatus(
      await api.call('listResidenceUsers', { as: owner, path: { id: residence.id } }),
      200,
    ).body as { id: number }[];
    expect(list.filter((x) => x.id === joiner.id)).toHaveLength(1);
  });
});

// ---------------------------------------------------------------- linearizable lifecycle actions

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) =>
    permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]),
  );
}

type Setup = 'active' | 'in progress' | 'cancelled';

async function prepared(setup: Setup) {
  const model = new TaskModel({ title: '', frequency: 'weekly' });
  const task = await createTask(owner, residenceId, { frequency: 'weekly' });
  model.title = task.title;
  if (setup === 'in progress') {
    expectStatus(await act(owner, task.id, 'mark-in-progress'), 200);
    model.markInProgress();
  }
  if (setup === 'cancelled') {
    expectStatus(await act(owner, task.id, 'cancel'), 200);
    model.cancel();
  }
  return { task, model };
}

/**
 * Fire `actions` at once; assert that some serial order of them, applied to the model, answers
 * the same statuses (per request) and ends in the same task.
 */
async function expectSomeSerialOrder(setup: Setup, actions: TaskAction[]): Promise<void> {
  const { task, model } = await prepared(setup);
  const responses = await Promise.all(actions.map((a) => act(owner, task.id, a)));
  for (const r of responses) {
    if (r.status === 409) expectError(r, 409, 'invalid_transition');
    else expectStatus(r, 200);
  }
  const today = todayIn('UTC');
  const final = await project(await readTask(owner, task.id));
  const observed = JSON.stringify({ statuses: responses.map((r) => r.status), final });
  const explanations = permutations(actions.map((a, i) => ({ a, i }))).map((order) => {
    const m = model.clone();
    const answers: number[] = Array(actions.length).fill(0);
    for (const { a, i } of order) answers[i] = m.apply(a).ok ? 200 : 409;
    return {
      order: order.map((o) => o.a).join(' → '),
      json: JSON.stringify({ statuses: answers, final: m.view(today) }),
    };
  });
  const match = explanations.find((e) => e.json === observed);
  expect(
    match ? 'some serial order' : observed,
    `concurrent ${actions.join(' ∥ ')} on a ${setup} task; serial orders give:\n` +
      explanations.map((e) => `  ${e.order}: ${e.json}`).join('\n'),
  ).toBe('some serial order');
}

suite('§5.1 concurrent lifecycle actions end as some serial order', () => {
  it('cancel ∥ archive on an active task ends in a state a serial order reaches', async () => {
    proves('s5.1.cancel.active', 's5.1.archive.active', 's5.1.cancel.archived');
    for (let i = 0; i < 5; i++) await expectSomeSerialOrder('active', ['cancel', 'archive']);
  });

  it('cancel ∥ archive on an in-progress task ends in a state a serial order reaches', async () => {
    proves('s5.1.cancel.in-progress', 's5.1.archive.in-progress');
    for (let i = 0; i < 5; i++) await expectSomeSerialOrder('in progress', ['cancel', 'archive']);
  });

  it('random concurrent mixes of lifecycle actions end as some serial order', async () => {
    proves('s5.1.refused-409');
    const actionArb = fc.constantFrom<TaskAction>(...TASK_ACTIONS);
    await fcAssert(
      fc.asyncProperty(
        fc.constantFrom<Setup>('active', 'in progress', 'cancelled'),
        fc.array(actionArb, { minLength: 2, maxLength: 4 }),
        async (setup, actions) => expectSomeSerialOrder(setup, actions),
      ),
      { name: 'lifecycle actions race', numRuns: 15 },
    );
  });
});
