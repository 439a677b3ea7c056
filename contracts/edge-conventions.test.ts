/**
 * §10 edge conventions: unknown query parameters are ignored; `page` has no upper bound; money
 * has at most 8 integer digits and 2 decimals and is ≥ 0 (a third decimal → 400, never
 * rounded); blank required text → 400; a deleted residence named in a body or query → 400.
 */
import { describe, expect, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';
import { api, expectDetail, expectError, expectStatus } from '../fixtures/harness/client/client.ts';
import type { ApiResponse } from '../fixtures/harness/client/client.ts';
import type { CallOptions, OpName } from '../fixtures/harness/client/client.ts';
import { newResidence, newTask } from '../fixtures/harness/factories.ts';
import type { Residence } from '../fixtures/harness/factories.ts';
import { hasOp, itNeeds } from '../fixtures/harness/document/operations.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { tagged } from '../fixtures/harness/run-id.ts';
import { PDF } from '../fixtures/harness/samples.ts';
import type { Scenario } from '../fixtures/harness/scenario.ts';

/** A 400 `validation_error`; which field `details` names is the implementation's (§12). */
const expectInvalid = (res: ApiResponse) => expectError(res, 400, 'validation_error');

let s: Scenario;
test.beforeAll(({ scenario }) => {
  s = scenario; // this file's own scenario (a file fixture, frozen)
});

// ── unknown query parameters ───────────────────────────────────────────────────────────────
describe('unknown query parameters are ignored (§10)', () => {
  const UNKNOWN = { zz_casera_unknown: '1', casera_ignored_flag: 'true' };
  const reads: [OpName, (s: Scenario) => CallOptions][] = [
    ['getStaticData', () => ({ as: null })],
    ['listResidences', (s) => ({ as: s.w.owner })],
    ['getResidence', (s) => ({ as: s.w.owner, path: { id: s.w.residence.id } })],
    ['listResidenceUsers', (s) => ({ as: s.w.owner, path: { id: s.w.residence.id } })],
    ['getTask', (s) => ({ as: s.w.owner, path: { id: s.task.id } })],
    ['listDocuments', (s) => ({ as: s.w.owner, query: { residence_id: s.w.residence.id } })],
  ];
  for (const [name, build] of reads) {
    itNeeds(name)(`${name} answers the same 200 with unknown query parameters`, async () => {
      proves('s10.unknown-query');
      const opts = build(s);
      const plain = expectStatus(await api.call(name, opts), 200);
      const res = await api.call(name, { ...opts, query: { ...(opts.query ?? {}), ...UNKNOWN } });
      expectStatus(res, 200);
      expect(res.body).toEqual(plain.body);
    });
  }
});

// ── page has no upper bound ────────────────────────────────────────────────────────────────
describe('`page` has no upper bound: a page far past the end is 200 with empty results (§10)', () => {
  const FAR = [1_000_000_000, Number.MAX_SAFE_INTEGER];
  const lists: [OpName, (s: Scenario) => Record<string, number>][] = [
    ['listDocuments', (s) => ({ residence_id: s.w.residence.id })],
    ['listCompletions', (s) => ({ task_id: s.task.id })],
  ];
  for (const [name, filter] of lists) {
    itNeeds(name)(`${name} with page=${FAR.join(', ')} → 200, results []`, async () => {
      proves('s10.page.no-upper-bound');
      const first = expectStatus(
        await api.call(name, { as: s.w.owner, query: { ...filter(s), page: 1 } }),
        200,
      );
      expect(first.body.count, 'the list is not empty').toBeGreaterThan(0);
      for (const page of FAR) {
        const res = await api.call(name, { as: s.w.owner, query: { ...filter(s), page } });
        expectStatus(res, 200);
        expect(res.body.results).toEqual([]);
        expect(res.body.count).toBe(first.body.count);
        expect(res.body.next).toBeNull();
      }
    });
  }
});

// ── money ──────────────────────────────────────────────────────────────────────────────────
async function createTaskWithCost(estimated_cost: unknown) {
  return api.call('createTask', {
    as: s.w.owner,
    body: { residence_id: s.w.residence.id, title: tagged('Money'), estimated_cost },
  });
}

async function completeWithCost(actual_cost: unknown) {
  const task = await newTask(s.w.owner, s.w.residence);
  return api.call('createCompletion', { as: s.w.owner, body: { task_id: task.id, actual_cost } });
}

/** A money string as §1 emits it (at most 2 decimals) with exactly the value sent. */
function expectMoney(got: unknown, want: string): void {
  expect(got, 'a decimal string').toMatch(/^\d{1,8}(\.\d{1,2})?$/);
  expect(Number(got)).toBe(Number(want));
}

/** The same read before and after, to show a rejected write changed nothing. */
async function taskCost(id: number): Promise<unknown> {
  const res = expectStatus(await api.call('getTask', { as: s.w.owner, path: { id } }), 200);
  return res.body.estimated_cost;
}

describe('money: at most 8 integer digits (§10)', () => {
  it('estimated_cost with 9 integer digits → 400', async () => {
    proves('s10.money.integer-digits');
    for (const v of ['123456789', '123456789.00', 123456789, 100000000.5]) {
      expectInvalid(await createTaskWithCost(v));
    }
  });

  it('estimated_cost with 8 integer digits is accepted: "99999999.99" and 12345678', async () => {
    proves('s10.money.integer-digits');
    const a = expectStatus(await createTaskWithCost('99999999.99'), 201);
    expectMoney(a.body.estimated_cost, '99999999.99');
    const b = expectStatus(await createTaskWithCost(12345678), 201);
    expectMoney(b.body.estimated_cost, '12345678');
  });

  it('actual_cost with 9 integer digits → 400', async () => {
    proves('s10.money.integer-digits');
    expectInvalid(await completeWithCost('100000000.00'));
  });
});

describe('money: a third decimal → 400, never rounded (§10)', () => {
  it('estimated_cost "12.345", 12.345, "0.005", 0.125 → 400', async () => {
    proves('s10.money.third-decimal');
    for (const v of ['12.345', 12.345, '0.005', 0.125]) {
      expectInvalid(await createTaskWithCost(v));
    }
  });

  it('estimated_cost with 2 decimals keeps them exactly: "12.35" and 0.1', async () => {
    proves('s10.money.third-decimal');
    expectMoney(expectStatus(await createTaskWithCost('12.35'), 201).body.estimated_cost, '12.35');
    expectMoney(expectStatus(await createTaskWithCost(0.1), 201).body.estimated_cost, '0.1');
  });

  it('PATCH estimated_cost "10.999" → 400 and the cost is not rounded into the task', async () => {
    proves('s10.money.third-decimal');
    const task = await newTask(s.w.owner, s.w.residence, { estimated_cost: '5.00' });
    const res = await api.call('updateTask', {
      as: s.w.owner,
      path: { id: task.id },
      body: { estimated_cost: '10.999' },
    });
    expectInvalid(res);
    expectMoney(await taskCost(task.id), '5');
  });

  it('actual_cost "1.005" → 400', async () => {
    proves('s10.money.third-decimal');
    expectInvalid(await completeWithCost('1.005'));
  });
});

describe('money: ≥ 0 (§10)', () => {
  it('estimated_cost "-1.00", -0.01, "-5" → 400', async () => {
    proves('s10.money.negative');
    for (const v of ['-1.00', -0.01, '-5']) {
      expectInvalid(await createTaskWithCost(v));
    }
  });

  it('estimated_cost 0 is accepted (the lower bound)', async () => {
    proves('s10.money.negative');
    expectMoney(expectStatus(await createTaskWithCost(0), 201).body.estimated_cost, '0');
  });

  it('actual_cost "-0.50" → 400', async () => {
    proves('s10.money.negative');
    expectInvalid(await completeWithCost('-0.50'));
  });
});

// ── blank required text ────────────────────────────────────────────────────────────────────
const BLANKS = ['', ' ', '   ', '\t\n '];

describe('required text fields that are empty or whitespace only → 400 (§10)', () => {
  itNeeds('createResidence')('createResidence with a blank name → 400', async () => {
    proves('s10.blank-required');
    for (const name of BLANKS) {
      expectInvalid(await api.call('createResidence', { as: s.w.owner, body: { name } }));
    }
  });

  itNeeds('updateResidence')(
    'updateResidence to a blank name → 400, the name unchanged',
    async () => {
      proves('s10.blank-required');
      const r = await newResidence(s.w.owner);
      for (const name of BLANKS) {
        const res = await api.call('updateResidence', {
          as: s.w.owner,
          path: { id: r.id },
          body: { name },
        });
        expectInvalid(res);
      }
      const after = expectStatus(
        await api.call('getResidence', { as: s.w.owner, path: { id: r.id } }),
        200,
      );
      expect(after.body.name).toBe(r.name);
    },
  );

  itNeeds('createTask')('createTask with a blank title → 400', async () => {
    proves('s10.blank-required');
    for (const title of BLANKS) {
      const res = await api.call('createTask', {
        as: s.w.owner,
        body: { residence_id: s.w.residence.id, title },
      });
      expectInvalid(res);
    }
  });

  itNeeds('createDocument')('createDocument with a blank title → 400', async () => {
    proves('s10.blank-required');
    for (const title of BLANKS) {
      const res = await api.call('createDocument', {
        as: s.w.owner,
        multipart: {
          fields: { residence_id: s.w.residence.id, title, document_type: 'manual' },
          files: { file: { content: PDF, filename: 'a.pdf', contentType: 'application/pdf' } },
        },
      });
      expectInvalid(res);
    }
  });
});

// ── a deleted residence ────────────────────────────────────────────────────────────────────
/** A residence of the scenario owner that existed (and accepted `probe`), then was deleted. */
async function deletedResidence(probe: (r: Residence) => Promise<void>): Promise<Residence> {
  const r = await newResidence(s.w.owner);
  await probe(r);
  expectStatus(await api.call('deleteResidence', { as: s.w.owner, path: { id: r.id } }), 204);
  return r;
}

describe('a deleted residence named in a body or query → 400 (§10)', () => {
  itNeeds('createTask', 'deleteResidence')(
    'createTask naming a deleted residence → 400 details.residence_id',
    async () => {
      proves('s10.deleted-residence.body');
      const body = (r: Residence) => ({ residence_id: r.id, title: tagged('After delete') });
      const r = await deletedResidence(async (r) => {
        expectStatus(await api.call('createTask', { as: s.w.owner, body: body(r) }), 201);
      });
      expectDetail(await api.call('createTask', { as: s.w.owner, body: body(r) }), 'residence_id');
    },
  );

  itNeeds('createDocument', 'deleteResidence')(
    'createDocument naming a deleted residence → 400 details.residence_id',
    async () => {
      proves('s10.deleted-residence.body');
      const multipart = (r: Residence): CallOptions['multipart'] => ({
        fields: { residence_id: r.id, title: tagged('After delete'), document_type: 'manual' },
        files: { file: { content: PDF, filename: 'a.pdf', contentType: 'application/pdf' } },
      });
      const r = await deletedResidence(async (r) => {
        expectStatus(
          await api.call('createDocument', { as: s.w.owner, multipart: multipart(r) }),
          201,
        );
      });
      const res = await api.call('createDocument', { as: s.w.owner, multipart: multipart(r) });
      expectDetail(res, 'residence_id');
    },
  );

  const queried: OpName[] = ['listTasks', 'listArchivedTasks', 'listDocuments'];
  itNeeds('deleteResidence')(
    `${queried.join(', ')} filtered by a deleted residence → 400 details.residence_id`,
    async () => {
      proves('s10.deleted-residence.body');
      const ops = queried.filter((n) => hasOp(n));
      expect(ops.length).toBeGreaterThan(0);
      const r = await deletedResidence(async (r) => {
        for (const name of ops) {
          expectStatus(await api.call(name, { as: s.w.owner, query: { residence_id: r.id } }), 200);
        }
      });
      for (const name of ops) {
        const res = await api.call(name, { as: s.w.owner, query: { residence_id: r.id } });
        expectDetail(res, 'residence_id');
      }
    },
  );
});
