/**
 * Coverage: every operation in the document answers a documented 2xx to a valid request
 * (built from the operation map, the factories and the resources earlier calls created).
 * The run fails naming any operation never exercised; the global teardown writes the
 * operation × status matrix to reports/contract-coverage.{json,md}.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { api } from '../fixtures/harness/client.ts';
import {
  OP_NAMES,
  OPERATIONS,
  describeOp,
  hasOp,
  loadedDoc,
  operationMap,
  specLabel,
} from '../fixtures/harness/operations.ts';
import type { OpName } from '../fixtures/harness/operations.ts';
import { VALID, scenario } from '../fixtures/harness/scenario.ts';
import type { Scenario } from '../fixtures/harness/scenario.ts';
import { docOperations, responseFor } from '../fixtures/harness/spec.ts';

const exercised = new Set<string>();
let s: Scenario;

beforeAll(async () => {
  s = await scenario();
});

// Each valid request makes what it consumes, so the operations run concurrently.
describe.concurrent('every operation answers a documented 2xx to a valid request', () => {
  for (const name of OP_NAMES) {
    const [method, path] = OPERATIONS[name];
    const absent = !hasOp(name);
    if (absent)
      console.log(`[casera] skipped: coverage of ${describeOp(name)}, absent from ${specLabel()}`);
    it.skipIf(absent)(
      `${name} (${method} ${path})${absent ? ` – skipped: absent from ${specLabel()}` : ''}`,
      async () => {
        const opts = await VALID[name as OpName](s);
        const res = await api.call(name, opts); // the checks registry validates the answer
        const op = api.op(name);
        expect(
          res.status,
          `${name} answered ${res.status}\n  reproduce: ${res.curl}\n  body: ${res.text.slice(0, 300)}`,
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
  it('leaves no operation of the document unexercised', () => {
    const never = docOperations(loadedDoc())
      .filter((o) => !exercised.has(`${o.method} ${o.path}`))
      .map((o) => `${o.operationId ?? '(no operationId)'} ${o.method.toUpperCase()} ${o.path}`);
    const skipped = operationMap().missing;
    expect(
      never,
      `operations never answered with a documented 2xx (absent from the document: ${skipped.join(', ') || 'none'})`,
    ).toEqual([]);
  });
});
