/**
 * §2, §10: X-Timezone is read and validated on every authenticated operation – a name no
 * IANA database has → 400 `validation_error`, even where the answer does not depend on time.
 *
 * Each request is otherwise valid (the operation's valid request: ids that exist, a body it
 * accepts), so the unknown zone is the only rule it breaks and 400 is the only correct answer;
 * a target ignoring the header would answer the 2xx. The contract does not order the zone
 * check against other rules (404 for an absent id, 400 for a bad body), so no request here
 * breaks two rules at once.
 */
import { beforeAll, describe } from 'vitest';
import { api, expectError } from '../fixtures/harness/client/client.ts';
import { OP_NAMES, hasOp, loadedDoc, itNeeds } from '../fixtures/harness/document/operations.ts';
import { provesIn } from '../fixtures/harness/rules.ts';
import { VALID, missingFor, sharedScenario } from '../fixtures/harness/scenario.ts';
import type { Scenario } from '../fixtures/harness/scenario.ts';
import { isSecured } from '../fixtures/harness/document/spec.ts';

const doc = loadedDoc();
const secured = OP_NAMES.filter((n) => hasOp(n) && isSecured(doc, api.op(n).op));
const UNKNOWN_ZONE = 'Mars/Olympus_Mons'; // no IANA database has it (§10)

let s: Scenario;
beforeAll(async () => {
  s = await sharedScenario();
});

describe.concurrent('every authenticated operation rejects an unknown X-Timezone with 400', () => {
  for (const name of secured) {
    const op = api.op(name);
    const title = `${name} (${op.method.toUpperCase()} ${op.template}) with X-Timezone: ${UNKNOWN_ZONE}`;
    // an operation its valid request needs is absent: named, printed, skipped (itNeeds)
    itNeeds(...missingFor(name))(title, async (ctx) => {
      provesIn(ctx, 's10.tz.every-operation', 's2.tz.unknown', 's1.error.validation-error');
      const valid = await VALID[name](s);
      const res = await api.call(name, { ...valid, timezone: UNKNOWN_ZONE, retryOn429: false });
      expectError(res, 400, 'validation_error');
    });
  }
});
