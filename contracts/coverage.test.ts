/**
 * Coverage: every operation in the document answers a documented 2xx to a valid request
 * (built from the operation map, the factories and the resources earlier calls created).
 * The run fails naming any operation never exercised; the global teardown writes the
 * operation × status matrix to reports/contract-coverage.{json,md}.
 */
import { describe, expect, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';
import { api, failureText } from '../fixtures/harness/client/client.ts';
import {
  OP_NAMES,
  OPERATIONS,
  describeOp,
  hasOp,
  loadedDoc,
  operationMap,
  specLabel,
} from '../fixtures/harness/document/operations.ts';
import type { OpName } from '../fixtures/harness/document/operations.ts';
import { provesIn } from '../fixtures/harness/rules.ts';
import { VALID, missingFor } from '../fixtures/harness/scenario.ts';
import type { Scenario } from '../fixtures/harness/scenario.ts';
import { docOperations, opLabel, responseFor } from '../fixtures/harness/document/spec.ts';

const exercised = new Set<string>();

/** Rules a valid request of the operation proves by answering a 2xx. */
const RULES: Partial<Record<OpName, string[]>> = {
  getStaticData: ['s8.no-token'], // VALID.getStaticData sends no token
};
let s: Scenario;

test.beforeAll(({ scenario }) => {
  s = scenario; // this file's own scenario (a file fixture, frozen)
});

// Each valid request makes what it consumes, so the operations run concurrently.
describe.concurrent('every operation answers a documented 2xx to a valid request', () => {
  for (const name of OP_NAMES) {
    const [method, path] = OPERATIONS[name];
    const missing = missingFor(name);
    const reason = missing.length
      ? `needs ${missing.map(describeOp).join(', ')}, absent from ${specLabel()}`
      : '';
    if (reason) console.log(`[casera] skipped: coverage of ${name} ${reason}`);
    it.skipIf(missing.length > 0)(
      `${name} (${method} ${path})${reason ? ` – skipped: ${reason}` : ''}`,
      async (ctx) => {
        const rules = RULES[name as OpName];
        if (rules) provesIn(ctx, ...rules);
        const opts = await VALID[name as OpName](s);
        const res = await api.call(name, opts); // the checks registry validates the answer
        const op = api.op(name);
        expect(
          res.status,
          failureText(res, `${name} answered ${res.status}`),
        ).toBeGreaterThanOrEqual(200);
        expect(res.status).toBeLessThan(300);
        expect(
          responseFor(op.op, res.status),
          `${res.status} is documented for ${op.label}`,
        ).toBeDefined();
        exercised.add(`${op.method} ${op.path}`);
      },
    );
  }
});

describe('coverage of the document', () => {
  it('leaves no exercisable operation of the document unexercised', () => {
    const { resolved } = operationMap();
    const logical = (o: { method: string; path: string }) =>
      [...resolved.values()].find((r) => r.method === o.method && r.path === o.path)?.name;
    const notExercised = docOperations(loadedDoc()).filter(
      (o) => !exercised.has(`${o.method} ${o.path}`),
    );
    // an operation whose prerequisite the document lacks cannot be exercised: named, not failed
    const blocked = notExercised.filter((o) => {
      const n = logical(o);
      return n !== undefined && missingFor(n).length > 0;
    });
    if (blocked.length) {
      console.log(
        `[casera] not exercisable (a prerequisite is absent from ${specLabel()}): ${blocked
          .map((o) => `${opLabel(o)} (needs ${missingFor(logical(o)!).join(', ')})`)
          .join('; ')}`,
      );
    }
    // operations the map does not name (OPTIONS served for CORS, an API's own extras, §12) have
    // no valid request the suite could build: named, not failed (the document test lists them)
    const unmapped = notExercised.filter((o) => logical(o) === undefined);
    if (unmapped.length) {
      console.log(
        `[casera] not exercised (not in the operation map): ${unmapped
          .map((o) => `${o.method.toUpperCase()} ${o.path}`)
          .join('; ')}`,
      );
    }
    const never = notExercised
      .filter((o) => !blocked.includes(o) && !unmapped.includes(o))
      .map((o) => `${o.operationId ?? '(no operationId)'} ${o.method.toUpperCase()} ${o.path}`);
    expect(never, 'operations never answered with a documented 2xx').toEqual([]);
  });
});
