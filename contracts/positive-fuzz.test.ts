/**
 * Positive fuzz: schema-valid generated bodies and queries never produce a 5xx, an
 * undocumented status or a body off its schema (the checks registry judges every answer).
 * Documented 4xx the contract allows for valid-looking input – an id the caller cannot see
 * (400/404), a refused transition (409), a sniffed file (415), 429, 304 – are not failures.
 */
import { describe, expect, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';
import { api, failureText } from '../fixtures/harness/client/client.ts';
import type { CallOptions } from '../fixtures/harness/client/client.ts';
import { fc, fcAssert } from '../fixtures/harness/fc.ts';
import { OP_NAMES } from '../fixtures/harness/document/operations.ts';
import type { OpName } from '../fixtures/harness/document/operations.ts';
import { provesIn } from '../fixtures/harness/rules.ts';
import { runId } from '../fixtures/harness/run.ts';
import { shapeOf, usable, webhookRequest } from '../fixtures/harness/scenario.ts';
import type { Scenario } from '../fixtures/harness/scenario.ts';
import {
  isJsonBody,
  queryParameters,
  requestBody,
  validArbitrary,
} from '../fixtures/harness/document/schema-data.ts';
import type { Hints } from '../fixtures/harness/document/schema-data.ts';
import { responseFor } from '../fixtures/harness/document/spec.ts';

let s: Scenario;
test.beforeAll(({ scenario }) => {
  s = scenario; // this file's own scenario (a file fixture, frozen)
});

function hints(s: Scenario): Hints {
  const ids = (r: Record<string, number>) => Object.values(r);
  const users = [s.w.owner.id, s.w.member.id, s.w.stranger.id];
  return {
    ids: {
      residence_id: [s.w.residence.id, s.w.foreign.id],
      task_id: [s.task.id],
      user_id: users,
      assigned_to_id: users,
      category_id: ids(s.ids.task_categories),
      priority_id: ids(s.ids.task_priorities),
      frequency_id: ids(s.ids.task_frequencies),
      property_type_id: ids(s.ids.residence_types),
    },
    fixed: {
      // everything the suite creates carries the run id
      username: fc.stringMatching(/^[a-z0-9]{4,8}$/).map((x) => `ct_${runId}_f${x}`),
      email: fc.stringMatching(/^[a-z0-9]{4,8}$/).map((x) => `ct_${runId}_f${x}@example.test`),
      event_id: fc.stringMatching(/^[a-z0-9]{4,12}$/).map((x) => `evt_${runId}_${x}`),
    },
  };
}

async function judge(name: OpName, opts: CallOptions): Promise<void> {
  const res = await api.call(name, { ...opts, retryOn429: false }); // checks registry runs here
  expect(res.status, failureText(res)).toBeLessThan(500);
  expect(
    responseFor(api.op(name).op, res.status),
    failureText(res, `${res.status} documented`),
  ).toBeDefined();
}

const bodyOps = OP_NAMES.filter((n) => usable(n) && isJsonBody(requestBody(api.op(n))));
const queryOps = OP_NAMES.filter((n) => usable(n) && queryParameters(api.op(n)).length > 0);

describe.concurrent('schema-valid bodies never get a 5xx or an undocumented answer', () => {
  for (const name of bodyOps) {
    const op = api.op(name);
    it(`${name} (${op.method.toUpperCase()} ${op.template})`, async (ctx) => {
      provesIn(ctx, 's1.no-5xx');
      const base = await shapeOf(name, s);
      const arb = validArbitrary(requestBody(op)!.schema, hints(s));
      await fcAssert(
        fc.asyncProperty(arb, async (body) => {
          const opts: CallOptions =
            name === 'subscriptionWebhook'
              ? webhookRequest(body as Record<string, unknown>)
              : { ...base, body };
          await judge(name, opts);
        }),
        { name: `positive fuzz ${name}`, numRuns: 8 },
      );
    });
  }
});

describe.concurrent('schema-valid queries never get a 5xx or an undocumented answer', () => {
  for (const name of queryOps) {
    const op = api.op(name);
    it(`${name} (${op.method.toUpperCase()} ${op.template})`, async (ctx) => {
      provesIn(ctx, 's1.no-5xx');
      const base = await shapeOf(name, s);
      const params = queryParameters(op);
      const schema = {
        type: 'object',
        properties: Object.fromEntries(params.map((p) => [p.name, p.schema ?? {}])),
        required: params.filter((p) => p.required).map((p) => p.name),
      };
      await fcAssert(
        fc.asyncProperty(validArbitrary(schema, hints(s)), async (query) => {
          await judge(name, { ...base, query: query as CallOptions['query'] });
        }),
        { name: `positive fuzz ${name} query`, numRuns: 8 },
      );
    });
  }
});
