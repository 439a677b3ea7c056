/**
 * §10 ids: ids are positive integers of at most 2^53 − 1. A path id that is not one → 404
 * `not_found` (as for any path the API does not serve); such an id in a body or a query → 400
 * `validation_error` (which field `details` names, if any, is the implementation's: §12).
 */
import { describe, expect, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';
import { api, expectError, expectStatus } from '../fixtures/harness/client/client.ts';
import type { OpName } from '../fixtures/harness/client/client.ts';
import { itNeeds } from '../fixtures/harness/document/operations.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { tagged } from '../fixtures/harness/run-id.ts';
import type { Scenario } from '../fixtures/harness/scenario.ts';

/** Path segments that are not positive integers. */
const NOT_INTEGER = ['abc', '0', '-1', '1.5', '1e3', '%20'];
/** 2^53 and beyond: integers, but out of range. */
const OUT_OF_RANGE = ['9007199254740992', '9007199254740993', '99999999999999999999'];
/** JSON values for an id field that are not positive integers ≤ 2^53 − 1. */
const BAD_JSON_IDS: unknown[] = [0, -1, 1.5, 2 ** 53, 1e20, 'abc'];
/** Query values for an id parameter that are not positive integers ≤ 2^53 − 1. */
const BAD_QUERY_IDS = ['0', '-1', '1.5', 'abc', '9007199254740992', '99999999999999999999'];

let s: Scenario;
test.beforeAll(({ scenario }) => {
  s = scenario; // this file's own scenario (a file fixture, frozen)
});

/** Reads by path id a member may make, with the id of an entity that exists. */
const BY_ID: [OpName, (s: Scenario) => number][] = [
  ['getResidence', (s) => s.w.residence.id],
  ['getTask', (s) => s.task.id],
  ['getCompletion', (s) => s.completion.id],
  ['getDocument', (s) => Number(s.document.id)],
];

/** The operation's path with `segment` in place of its id (sent as is, not encoded). */
function pathWith(name: OpName, segment: string): string {
  const marker = 987654321;
  return api.path(name, { id: marker }).replace(String(marker), segment);
}

describe('a path id that is not a positive integer answers 404 (§10)', () => {
  for (const [name, existing] of BY_ID) {
    itNeeds(name)(`${name} with ${NOT_INTEGER.join(', ')} as its id → 404`, async () => {
      proves('s10.id.path-not-integer');
      // the same request with a real id is served, so the 404 comes from the id
      expectStatus(await api.call(name, { as: s.w.owner, path: { id: existing(s) } }), 200);
      for (const seg of NOT_INTEGER) {
        const res = await api.raw('GET', pathWith(name, seg), { as: s.w.owner });
        expectError(res, 404, 'not_found');
      }
    });
  }
});

describe('a path id beyond 2^53 − 1 answers 404 (§10)', () => {
  for (const [name] of BY_ID) {
    itNeeds(name)(`${name} with ${OUT_OF_RANGE.join(', ')} as its id → 404`, async () => {
      proves('s10.id.path-out-of-range');
      for (const seg of OUT_OF_RANGE) {
        const res = await api.raw('GET', pathWith(name, seg), { as: s.w.owner });
        expectError(res, 404, 'not_found');
      }
    });
  }
});

describe('an id in a body that is not a positive integer ≤ 2^53 − 1 answers 400 (§10)', () => {
  itNeeds('createTask')(
    `createTask with residence_id ${BAD_JSON_IDS.map((v) => JSON.stringify(v)).join(', ')} → 400`,
    async () => {
      proves('s10.id.body');
      for (const residence_id of BAD_JSON_IDS) {
        const res = await api.call('createTask', {
          as: s.w.owner,
          body: { residence_id, title: tagged('Bad residence id') },
        });
        expectError(res, 400, 'validation_error');
      }
    },
  );

  itNeeds('createCompletion')(
    `createCompletion with task_id ${BAD_JSON_IDS.map((v) => JSON.stringify(v)).join(', ')} → 400`,
    async () => {
      proves('s10.id.body');
      for (const task_id of BAD_JSON_IDS) {
        const res = await api.call('createCompletion', { as: s.w.owner, body: { task_id } });
        expectError(res, 400, 'validation_error');
      }
    },
  );

  itNeeds('updateTask')(
    'updateTask with assigned_to_id 2^53 → 400, the task unchanged',
    async () => {
      proves('s10.id.body');
      const before = expectStatus(
        await api.call('getTask', { as: s.w.owner, path: { id: s.task.id } }),
        200,
      );
      const res = await api.call('updateTask', {
        as: s.w.owner,
        path: { id: s.task.id },
        body: { assigned_to_id: 2 ** 53 },
      });
      expectError(res, 400, 'validation_error');
      const after = expectStatus(
        await api.call('getTask', { as: s.w.owner, path: { id: s.task.id } }),
        200,
      );
      expect(after.body.assigned_to_id).toBe(before.body.assigned_to_id);
    },
  );
});

describe('an id in a query that is not a positive integer ≤ 2^53 − 1 answers 400 (§10)', () => {
  const cases: [OpName, string][] = [
    ['listTasks', 'residence_id'],
    ['listArchivedTasks', 'residence_id'],
    ['listDocuments', 'residence_id'],
    ['listCompletions', 'task_id'],
  ];
  for (const [name, field] of cases) {
    itNeeds(name)(`${name} with ${field}=${BAD_QUERY_IDS.join(', ')} → 400`, async () => {
      proves('s10.id.query');
      for (const value of BAD_QUERY_IDS) {
        const res = await api.call(name, { as: s.w.owner, query: { [field]: value } });
        expectError(res, 400, 'validation_error');
      }
    });
  }
});
