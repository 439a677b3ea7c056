/**
 * §1 money: `estimated_cost` and `actual_cost` are answered as decimal strings with at most 2
 * decimals (`"12.50"`), wherever the resource appears; requests may send a string or a number.
 * Values are compared as amounts (the contract allows "12.5" as well as "12.50").
 */
import { describe, expect, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';
import { api, expectStatus } from '../fixtures/harness/client/client.ts';
import { newTask } from '../fixtures/harness/factories.ts';
import { proves, provesIn } from '../fixtures/harness/rules.ts';
import { tagged } from '../fixtures/harness/run-id.ts';
import type { Scenario } from '../fixtures/harness/scenario.ts';

const MONEY = /^\d+(\.\d{1,2})?$/;

let s: Scenario;
test.beforeAll(({ scenario }) => {
  s = scenario; // this file's own scenario (a file fixture, frozen)
});

/** A money value as answered: a decimal string with at most 2 decimals, of the given amount. */
function expectMoney(value: unknown, cents: number, where: string): void {
  expect(typeof value, `${where} is a string (got ${JSON.stringify(value)})`).toBe('string');
  expect(value, `${where} has at most 2 decimals`).toMatch(MONEY);
  expect(Math.round(Number(value) * 100), `${where} amount`).toBe(cents);
}

async function createTask(estimated_cost: unknown) {
  const res = await api.call('createTask', {
    as: s.w.owner,
    body: { residence_id: s.w.residence.id, title: tagged('money'), estimated_cost },
  });
  return expectStatus(res, 201).body;
}

async function createCompletion(actual_cost: unknown) {
  const task = await newTask(s.w.owner, s.w.residence);
  const res = await api.call('createCompletion', {
    as: s.w.owner,
    body: { task_id: task.id, actual_cost },
  });
  return expectStatus(res, 201).body;
}

describe.concurrent('money in requests: a string or a number (§1)', () => {
  const sent: [string, unknown, number][] = [
    // [rule, value sent, amount in cents]
    ['s1.money.request-string', '120.75', 12075],
    ['s1.money.request-string', '40', 4000],
    ['s1.money.request-string', '0.5', 50],
    ['s1.money.request-number', 19.99, 1999],
    ['s1.money.request-number', 40, 4000],
    ['s1.money.request-number', 0.1, 10],
  ];
  for (const [rule, value, cents] of sent) {
    it(`estimated_cost sent as ${typeof value} ${JSON.stringify(value)} is taken (201) as ${cents / 100}`, async (ctx) => {
      provesIn(ctx, rule);
      const task = await createTask(value);
      expectMoney(task.estimated_cost, cents, 'estimated_cost');
    });

    it(`actual_cost sent as ${typeof value} ${JSON.stringify(value)} is taken (201) as ${cents / 100}`, async (ctx) => {
      provesIn(ctx, rule);
      const completion = await createCompletion(value);
      expectMoney(completion.actual_cost, cents, 'actual_cost');
    });
  }

  it('a PATCH may send estimated_cost as a number', async (ctx) => {
    provesIn(ctx, 's1.money.request-number');
    const task = await createTask('1.00');
    const res = await api.call('updateTask', {
      as: s.w.owner,
      path: { id: task.id },
      body: { estimated_cost: 250.5 },
    });
    expectMoney(expectStatus(res, 200).body.estimated_cost, 25050, 'estimated_cost');
  });

  it('a PATCH may send estimated_cost as a string', async (ctx) => {
    provesIn(ctx, 's1.money.request-string');
    const task = await createTask(1);
    const res = await api.call('updateTask', {
      as: s.w.owner,
      path: { id: task.id },
      body: { estimated_cost: '99.95' },
    });
    expectMoney(expectStatus(res, 200).body.estimated_cost, 9995, 'estimated_cost');
  });
});

describe('money in responses: a decimal string with at most 2 decimals (§1)', () => {
  it('estimated_cost "12.5" is answered as a decimal string of 12.50 by create, read and kanban', async () => {
    proves('s1.money.response');
    const task = await createTask('12.5');
    expectMoney(task.estimated_cost, 1250, 'create estimated_cost');
    const read = expectStatus(
      await api.call('getTask', { as: s.w.member, path: { id: task.id } }),
      200,
    ).body;
    expectMoney(read.estimated_cost, 1250, 'read estimated_cost');
    const board = expectStatus(
      await api.call('listTasks', { as: s.w.member, query: { residence_id: s.w.residence.id } }),
      200,
    ).body;
    const inBoard = board.columns
      .flatMap((c: { tasks: { id: number }[] }) => c.tasks)
      .find((t: { id: number }) => t.id === task.id);
    expect(inBoard, 'the task is on the board').toBeDefined();
    expectMoney(inBoard.estimated_cost, 1250, 'kanban estimated_cost');
  });

  it('actual_cost 7.1 is answered as a decimal string of 7.10 by create, read and list', async () => {
    proves('s1.money.response');
    const completion = await createCompletion(7.1);
    expectMoney(completion.actual_cost, 710, 'create actual_cost');
    const read = expectStatus(
      await api.call('getCompletion', { as: s.w.member, path: { id: completion.id } }),
      200,
    ).body;
    expectMoney(read.actual_cost, 710, 'read actual_cost');
    const page = expectStatus(
      await api.call('listCompletions', { as: s.w.member, query: { task_id: completion.task_id } }),
      200,
    ).body;
    expect(page.results).toHaveLength(1);
    expectMoney(page.results[0].actual_cost, 710, 'list actual_cost');
  });

  it('the example amount "12.50" is answered as a decimal string of 12.50', async () => {
    proves('s1.money.response');
    const task = await createTask('12.50');
    expectMoney(task.estimated_cost, 1250, 'estimated_cost');
  });
});
