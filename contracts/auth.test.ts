/**
 * Auth (§1): every secured operation answers 401 `unauthorized` with no token, with a
 * garbage token and with a well-formed token nobody was issued.
 */
import { describe, it } from 'vitest';
import { api, expectError } from '../fixtures/harness/client.ts';
import { OP_NAMES, hasOp, loadedDoc } from '../fixtures/harness/operations.ts';
import { provesIn } from '../fixtures/harness/rules.ts';
import { isSecured } from '../fixtures/harness/spec.ts';

const doc = loadedDoc();
const secured = OP_NAMES.filter((n) => hasOp(n) && isSecured(doc, api.op(n).op));
// Any positive id: auth is checked before the path ids (DESIGN.md order of checks).
const anyIds = { id: 1, user_id: 1 };

const credentials: [string, string | undefined, string[]][] = [
  ['no token', undefined, ['s1.auth.missing']],
  ['a garbage token', 'Token not-a-token!', ['s1.auth.malformed']],
  ['a well-formed token nobody was issued', `Token ${'0'.repeat(40)}`, []],
  ['another scheme', `Bearer ${'0'.repeat(40)}`, ['s1.auth.malformed']],
];

describe.concurrent(
  'every secured operation refuses a caller without a valid token with 401',
  () => {
    for (const name of secured) {
      const op = api.op(name);
      describe(`${name} (${op.method.toUpperCase()} ${op.template})`, () => {
        for (const [what, token, rules] of credentials) {
          it(`answers 401 unauthorized with ${what}`, async (ctx) => {
            provesIn(ctx, 's1.error.unauthorized', ...rules);
            const res = await api.call(name, { as: null, token, path: anyIds });
            expectError(res, 401, 'unauthorized');
          });
        }
      });
    }
  },
);
