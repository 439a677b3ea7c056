/**
 * §1 wire conventions the document lists per operation but valid traffic never shows:
 * - a request body of another content type than the operation's → 415 `unsupported_media_type`;
 * - static data (`getStaticData`) sends an ETag; If-None-Match with it (RFC 9110 weak comparison, `*`,
 *   or in a list) → 304 without a body.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { api, expectError, expectStatus } from '../fixtures/harness/client/client.ts';
import type { CallOptions } from '../fixtures/harness/client/client.ts';
import { OP_NAMES, describeOp, requireOps } from '../fixtures/harness/document/operations.ts';
import { proves, provesIn } from '../fixtures/harness/rules.ts';
import { sharedScenario, shapeOf, signWebhook, usable } from '../fixtures/harness/scenario.ts';
import type { Scenario } from '../fixtures/harness/scenario.ts';
import { requestBody } from '../fixtures/harness/document/schema-data.ts';

let s: Scenario;
beforeAll(async () => {
  s = await sharedScenario();
});

const withBody = OP_NAMES.filter((n) => usable(n) && requestBody(api.op(n)));

describe.concurrent('a body of another content type than the operation takes answers 415', () => {
  for (const name of withBody) {
    const op = api.op(name);
    const takes = requestBody(op)!.mediaType;
    // JSON operations get plain text; multipart ones get JSON
    const other: NonNullable<CallOptions['rawBody']> = /json/.test(takes)
      ? { content: 'title=not json', contentType: 'text/plain' }
      : { content: '{"title":"not multipart"}', contentType: 'application/json' };
    it(`${name} (${op.method.toUpperCase()} ${op.template}) takes ${takes}: ${other.contentType} → 415`, async (ctx) => {
      provesIn(ctx, 's1.content-type-415', 's1.error.unsupported-media-type');
      // a signed webhook whose text/plain body is not JSON either: 415 comes before 400 (§10)
      if (name === 'subscriptionWebhook') provesIn(ctx, 's10.webhook.content-type');
      const shape = await shapeOf(name, s);
      const res = await api.call(name, {
        as: shape.as,
        path: shape.path,
        // the webhook checks its signature first (§10): sign the body actually sent
        headers:
          name === 'subscriptionWebhook'
            ? { 'X-Casera-Signature': signWebhook(String(other.content)) }
            : undefined,
        rawBody: other,
      });
      expectError(res, 415, 'unsupported_media_type');
    });
  }
});

requireOps('getStaticData')(
  `${describeOp('getStaticData')} honours If-None-Match (§8, §10)`,
  () => {
    let etag = '';
    beforeAll(async () => {
      const res = expectStatus(await api.call('getStaticData'), 200);
      etag = res.headers['etag'] ?? '';
    });

    it('sends an ETag', () => {
      proves('s8.etag');
      expect(etag).toMatch(/^(W\/)?"[^"]*"$/);
    });

    const variants: [string, (e: string) => string, string][] = [
      ['its own ETag', (e) => e, 's8.if-none-match'],
      ['the weak form of its ETag', (e) => (e.startsWith('W/') ? e : `W/${e}`), 's10.inm.weak'],
      ['*', () => '*', 's10.inm.star'],
      ['a list containing its ETag', (e) => `"nope", ${e}`, 's10.inm.list'],
    ];
    for (const [what, make, rule] of variants) {
      it(`answers 304 without a body to If-None-Match: ${what}`, async () => {
        proves(rule);
        const res = await api.call('getStaticData', { headers: { 'If-None-Match': make(etag) } });
        expectStatus(res, 304);
        expect(res.bytes.length).toBe(0);
      });
    }

    it('answers 200 with the data to an If-None-Match that does not match', async () => {
      proves('s8.if-none-match');
      const res = await api.call('getStaticData', {
        headers: { 'If-None-Match': '"certainly-not-it"' },
      });
      expectStatus(res, 200);
      expect(res.body.task_frequencies.length).toBeGreaterThan(0);
    });
  },
);
