/**
 * §2, §10: X-Timezone is read and validated on every authenticated operation – a name no
 * IANA database has → 400 `validation_error`, even where the answer does not depend on time.
 * It is checked right after auth (DESIGN.md order), so each request is otherwise one a
 * target ignoring the header would answer differently (a 2xx, or 404 for an absent id).
 */
import { beforeAll, describe, it } from 'vitest';
import { api, expectError } from '../fixtures/harness/client.ts';
import { newUser } from '../fixtures/harness/factories.ts';
import { OP_NAMES, hasOp, loadedDoc } from '../fixtures/harness/operations.ts';
import { provesIn } from '../fixtures/harness/rules.ts';
import { sharedScenario, shapeOf } from '../fixtures/harness/scenario.ts';
import type { Scenario } from '../fixtures/harness/scenario.ts';
import { isSecured } from '../fixtures/harness/spec.ts';

const doc = loadedDoc();
const secured = OP_NAMES.filter((n) => hasOp(n) && isSecured(doc, api.op(n).op));
const ABSENT_ID = Number.MAX_SAFE_INTEGER; // a valid id no entity has

let s: Scenario;
beforeAll(async () => {
  s = await sharedScenario();
});

describe.concurrent('every authenticated operation rejects an unknown X-Timezone with 400', () => {
  for (const name of secured) {
    const op = api.op(name);
    it(`${name} (${op.method.toUpperCase()} ${op.template}) with X-Timezone: Mars/Olympus_Mons`, async (ctx) => {
      provesIn(ctx, 's10.tz.every-operation', 's2.tz.unknown', 's1.error.validation-error');
      const shape = await shapeOf(name, s);
      const as = name === 'logout' ? await newUser({ name: 'tz-logout' }) : shape.as;
      const path = op.ourParams.length
        ? Object.fromEntries(op.ourParams.map((p) => [p, ABSENT_ID]))
        : undefined;
      const res = await api.call(name, { ...shape, as, path, timezone: 'Mars/Olympus_Mons' });
      expectError(res, 400, 'validation_error');
    });
  }
});
