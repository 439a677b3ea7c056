/**
 * Auth (§1): every secured operation answers 401 `unauthorized` with no token, with a
 * garbage token, with a well-formed token nobody was issued and under another scheme.
 *
 * Each request is otherwise the operation's valid request (ids that exist, a body it
 * accepts): the missing or bad credential is the only rule it breaks, so 401 is the only
 * correct answer whatever order the API checks things in (the contract fixes none here).
 */
import { describe, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';
import { authorization } from '../fixtures/harness/actors.ts';
import { api, expectError } from '../fixtures/harness/client/client.ts';
import { OP_NAMES, hasOp, loadedDoc } from '../fixtures/harness/document/operations.ts';
import { provesIn } from '../fixtures/harness/rules.ts';
import { shapeOf } from '../fixtures/harness/scenario.ts';
import type { Scenario } from '../fixtures/harness/scenario.ts';
import { isSecured } from '../fixtures/harness/document/spec.ts';

const doc = loadedDoc();
const secured = OP_NAMES.filter((n) => hasOp(n) && isSecured(doc, api.op(n).op));

const credentials: [string, string | undefined, string[]][] = [
  ['no token', undefined, ['s1.auth.missing']],
  ['a garbage token', authorization('not-a-token!'), ['s1.auth.malformed']],
  ['a well-formed token nobody was issued', authorization('0'.repeat(40)), []],
  ['another scheme', `Bearer ${'0'.repeat(40)}`, ['s1.auth.malformed']],
];

let s: Scenario;
test.beforeAll(({ scenario }) => {
  s = scenario; // this file's own scenario (a file fixture, frozen)
});

describe.concurrent(
  'every secured operation refuses a caller without a valid token with 401',
  () => {
    for (const name of secured) {
      const op = api.op(name);
      describe(`${name} (${op.method.toUpperCase()} ${op.template})`, () => {
        for (const [what, token, rules] of credentials) {
          it(`answers 401 unauthorized with ${what}`, async (ctx) => {
            provesIn(ctx, 's1.error.unauthorized', ...rules);
            const shape = await shapeOf(name, s);
            const res = await api.call(name, {
              ...shape,
              as: null,
              token,
              retryOn429: false,
            });
            expectError(res, 401, 'unauthorized');
          });
        }
      });
    }
  },
);
