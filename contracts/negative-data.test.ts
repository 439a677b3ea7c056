/**
 * Negative data: for every operation that takes a body or a query, schema-breaking inputs
 * (missing required, wrong type, out of range, unknown body field, bad enum, bad format,
 * blank required text) answer a documented 4xx whose body validates – never 2xx, never 5xx –
 * and a follow-up read shows nothing changed. Unknown query parameters are not violations (§10).
 */
import { describe, expect, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';
import { api, failureText } from '../fixtures/harness/client/client.ts';
import type { CallOptions } from '../fixtures/harness/client/client.ts';
import { fc, fcAssert } from '../fixtures/harness/fc.ts';
import { OP_NAMES, itNeeds } from '../fixtures/harness/document/operations.ts';
import type { OpName } from '../fixtures/harness/document/operations.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { PDF } from '../fixtures/harness/samples.ts';
import { READBACK, shapeOf, usable, webhookRequest } from '../fixtures/harness/scenario.ts';
import type { Scenario } from '../fixtures/harness/scenario.ts';
import {
  breakingBodies,
  breakingQueries,
  isJsonBody,
  queryParameters,
  requestBody,
} from '../fixtures/harness/document/schema-data.ts';
import type { Mutation } from '../fixtures/harness/document/schema-data.ts';

let s: Scenario;
test.beforeAll(({ scenario }) => {
  s = scenario; // this file's own scenario (a file fixture, frozen)
});

function expectRejected(res: Awaited<ReturnType<typeof api.call>>, m: Mutation): void {
  if (res.status >= 400 && res.status < 500) return; // documented + Error body: the checks registry
  const what = `${m.kind}${m.field ? ` ${m.field}` : ''}`;
  throw new Error(failureText(res, `${what}: expected a documented 4xx, got ${res.status}`));
}

async function checkMutations(
  name: OpName,
  base: CallOptions,
  mutations: Mutation[],
  send: (m: Mutation) => CallOptions,
): Promise<void> {
  expect(mutations.length, `${name}: no schema-breaking input could be built`).toBeGreaterThan(0);
  const readback = READBACK[name];
  await fcAssert(
    fc.asyncProperty(fc.constantFrom(...mutations), async (m) => {
      const before = readback ? await readback(s, base) : undefined;
      const res = await api.call(name, { ...base, ...send(m), retryOn429: false });
      expectRejected(res, m);
      if (readback)
        expect(
          await readback(s, base),
          `${name}: state changed after a rejected ${m.kind}`,
        ).toEqual(before);
    }),
    { name: `negative data ${name}`, numRuns: Math.min(mutations.length, 15) },
  );
}

const jsonBodyOps = OP_NAMES.filter((n) => usable(n) && isJsonBody(requestBody(api.op(n))));
const queryOps = OP_NAMES.filter((n) => usable(n) && queryParameters(api.op(n)).length > 0);

describe('schema-breaking JSON bodies answer a documented 4xx and change nothing', () => {
  for (const name of jsonBodyOps) {
    const op = api.op(name);
    it(`${name} (${op.method.toUpperCase()} ${op.template}) rejects bodies its schema rejects`, async () => {
      proves('s1.no-5xx');
      const base = await shapeOf(name, s);
      const rb = requestBody(op)!;
      const body = (base.rawBody ? JSON.parse(String(base.rawBody.content)) : base.body) as Record<
        string,
        unknown
      >;
      const mutations = breakingBodies(rb.schema, body ?? {});
      if (name === 'subscriptionWebhook') {
        // signed, so the signature check (first, §10) passes and the body is what is judged
        await checkMutations(name, {}, mutations, (m) =>
          webhookRequest(m.value as Record<string, unknown>),
        );
      } else {
        await checkMutations(name, base, mutations, (m) => ({ body: m.value }));
      }
    });
  }
});

describe('schema-breaking query parameters answer a documented 4xx (unknown ones are ignored)', () => {
  for (const name of queryOps) {
    const op = api.op(name);
    it(`${name} (${op.method.toUpperCase()} ${op.template}) rejects query values its schema rejects`, async () => {
      proves('s1.no-5xx');
      const base = await shapeOf(name, s);
      const q = (base.query ?? {}) as Record<string, string | number>;
      const mutations = breakingQueries(queryParameters(op), q);
      await checkMutations(name, base, mutations, (m) => ({
        query: m.value as Record<string, string | number>,
      }));
    });

    it(`${name} ignores an unknown query parameter`, async () => {
      proves('s10.unknown-query');
      const base = await shapeOf(name, s);
      const res = await api.call(name, {
        ...base,
        query: { ...(base.query ?? {}), zz_unknown: 'x' },
      });
      expect(res.status, failureText(res)).toBeGreaterThanOrEqual(200);
      expect(res.status, failureText(res)).toBeLessThan(300);
    });
  }
});

describe('broken multipart uploads answer 400 (§7, §10)', () => {
  const docCases: [string, (s: Scenario) => CallOptions['multipart'], string[]][] = [
    [
      'a missing title',
      (s) => ({
        fields: { residence_id: s.w.residence.id, document_type: 'manual' },
        files: { file: { content: PDF, filename: 'a.pdf', contentType: 'application/pdf' } },
      }),
      [],
    ],
    [
      'an unlisted document_type',
      (s) => ({
        fields: { residence_id: s.w.residence.id, title: 'x', document_type: 'not_a_listed_value' },
        files: { file: { content: PDF, filename: 'a.pdf', contentType: 'application/pdf' } },
      }),
      [],
    ],
    [
      'a residence_id that is not an integer',
      () => ({
        fields: { residence_id: 'abc', title: 'x', document_type: 'manual' },
        files: { file: { content: PDF, filename: 'a.pdf', contentType: 'application/pdf' } },
      }),
      [],
    ],
    [
      'no file part',
      (s) => ({ fields: { residence_id: s.w.residence.id, title: 'x', document_type: 'manual' } }),
      [],
    ],
    [
      'the file sent as a text field (no filename)',
      (s) => ({
        fields: {
          residence_id: s.w.residence.id,
          title: 'x',
          document_type: 'manual',
          file: 'not a file',
        },
      }),
      ['s10.multipart.file-as-text'],
    ],
    [
      'an empty file',
      (s) => ({
        fields: { residence_id: s.w.residence.id, title: 'x', document_type: 'manual' },
        files: {
          file: { content: Buffer.alloc(0), filename: 'a.pdf', contentType: 'application/pdf' },
        },
      }),
      ['s7.upload.empty'],
    ],
    [
      'a residence the caller cannot see',
      (s) => ({
        fields: { residence_id: s.w.foreign.id, title: 'x', document_type: 'manual' },
        files: { file: { content: PDF, filename: 'a.pdf', contentType: 'application/pdf' } },
      }),
      ['s1.invisible.residence'],
    ],
  ];
  for (const [what, make, rules] of docCases) {
    itNeeds('createDocument')(
      `createDocument with ${what} answers 400 and stores nothing`,
      async () => {
        proves('s1.error.validation-error', ...rules);
        const before = await READBACK.createDocument!(s, {});
        const res = await api.call('createDocument', { as: s.w.owner, multipart: make(s) });
        expect(res.status, failureText(res)).toBe(400);
        expect(res.body.error).toBe('validation_error');
        expect(await READBACK.createDocument!(s, {})).toEqual(before);
      },
    );
  }
  const imageCases: [string, CallOptions['multipart'], string[]][] = [
    ['no image part', { fields: { caption: 'x' } }, []],
    [
      'the image sent as a text field (no filename)',
      { fields: { image: 'not a file' } },
      ['s10.multipart.image-as-text'],
    ],
  ];
  for (const [what, multipart, rules] of imageCases) {
    itNeeds('uploadCompletionImage', 'createCompletion')(
      `uploadCompletionImage with ${what} answers 400`,
      async () => {
        proves('s1.error.validation-error', ...rules);
        const res = await api.call('uploadCompletionImage', {
          as: s.w.owner,
          path: { id: s.completion.id },
          multipart,
        });
        expect(res.status, failureText(res)).toBe(400);
        expect(res.body.error).toBe('validation_error');
      },
    );
  }
});
