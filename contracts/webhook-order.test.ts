/**
 * §10 webhook order: signature (401), content type (415), JSON syntax (400), duplicate
 * `event_id` (200 `duplicate`), then the rest of the body (400). Every request here is signed
 * with the shared secret over the exact bytes sent, so the signature check passes and the
 * later checks are what answer; each refused delivery leaves the subscription as it was.
 */
import type { Actor } from '../fixtures/harness/actors.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, expectError, expectStatus } from '../fixtures/harness/client/client.ts';
import type { ApiResponse } from '../fixtures/harness/client/client.ts';
import { newUser } from '../fixtures/harness/factories.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { webhookEvent, webhookRequest } from '../fixtures/harness/scenario.ts';
import { signatureHeaders, signWebhook } from '../fixtures/harness/webhook.ts';

/** A user whose subscription no delivery has touched. */
let quiet: Actor;
/** A user with one processed renewal (`processed`: its event). */
let subscriber: Actor;
let processed: Record<string, unknown>;

async function subscription(user: Actor): Promise<unknown> {
  return expectStatus(await api.call('getSubscription', { as: user }), 200).body;
}

/** POST the raw bytes, signed, with the given content type. */
function deliver(raw: string, contentType: string): Promise<ApiResponse> {
  return api.call('subscriptionWebhook', {
    rawBody: { content: raw, contentType },
    headers: signatureHeaders(signWebhook(raw)),
    retryOn429: false,
  });
}

requireOps('subscriptionWebhook', 'getSubscription')(
  'webhook checks run in order: signature, content type, JSON syntax, duplicate, body (§10)',
  () => {
    let quietBefore: unknown;
    beforeAll(async () => {
      [quiet, subscriber] = await Promise.all([
        newUser({ name: 'webhook-quiet' }),
        newUser({ name: 'webhook-subscriber' }),
      ]);
      processed = webhookEvent(subscriber.id);
      const first = await api.call('subscriptionWebhook', webhookRequest(processed));
      expectStatus(first, 200);
      expect(first.body).toMatchObject({ status: 'processed' });
      quietBefore = await subscription(quiet);
    });

    // ── content type (415), after the signature ────────────────────────────────────────────
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
      it(`a signed, valid event sent as ${contentType} → 415, the subscription unchanged`, async () => {
        proves('s10.webhook.content-type');
        const raw = JSON.stringify(webhookEvent(quiet.id));
        expectError(await deliver(raw, contentType), 415, 'unsupported_media_type');
        expect(await subscription(quiet)).toEqual(quietBefore);
      });
    }

    it('a signed body that is not JSON, sent as text/plain → 415 (content type before JSON syntax)', async () => {
      proves('s10.webhook.content-type');
      expectError(
        await deliver('event_id=1&type=renewed', 'text/plain'),
        415,
        'unsupported_media_type',
      );
    });

    it('a signed replay of a processed event sent as text/plain → 415, not 200 duplicate', async () => {
      proves('s10.webhook.content-type');
      const before = await subscription(subscriber);
      const res = await deliver(JSON.stringify(processed), 'text/plain');
      expectError(res, 415, 'unsupported_media_type');
      expect(await subscription(subscriber)).toEqual(before);
    });

    // ── JSON syntax (400), after the content type ──────────────────────────────────────────
    const MALFORMED = ['{"event_id":', 'not json', '{"event_id": "x",}', '[1, 2'];
    it(`signed malformed JSON bodies (${MALFORMED.map((m) => JSON.stringify(m)).join(', ')}) → 400`, async () => {
      proves('s10.webhook.json-syntax');
      for (const raw of MALFORMED) {
        expectError(await deliver(raw, 'application/json'), 400, 'validation_error');
      }
      expect(await subscription(quiet)).toEqual(quietBefore);
    });

    it('a signed malformed body naming a processed event_id → 400, not 200 duplicate (syntax before duplicate)', async () => {
      proves('s10.webhook.json-syntax');
      const raw = `${JSON.stringify(processed).slice(0, -1)},}`;
      expectError(await deliver(raw, 'application/json'), 400, 'validation_error');
    });

    // ── the rest of the body (400), last ───────────────────────────────────────────────────
    const BROKEN: [what: string, field: string, change: Record<string, unknown>][] = [
      ['an unknown type', 'type', { type: 'subscription.paused' }],
      ['a user_id that is not an integer', 'user_id', { user_id: 'abc' }],
      ['a user_id no user has', 'user_id', { user_id: Number.MAX_SAFE_INTEGER }],
      ['an expires_at that is not an instant', 'expires_at', { expires_at: 'next tuesday' }],
    ];
    for (const [what, field, change] of BROKEN) {
      it(`a signed new event with ${what} (${field}) → 400, the subscription unchanged`, async () => {
        proves('s10.webhook.body');
        const event = { ...webhookEvent(quiet.id), ...change };
        const res = await api.call('subscriptionWebhook', webhookRequest(event));
        expectError(res, 400, 'validation_error');
        expect(await subscription(quiet)).toEqual(quietBefore);
      });
    }

    // ── a duplicate event_id (200 duplicate) is answered before the rest of the body ─────────
    for (const [what, field, change] of BROKEN) {
      it(`a signed replay of a processed event_id with ${what} (${field}) → 200 duplicate, no effect`, async () => {
        proves('s10.webhook.duplicate-before-body', 's9.duplicate.any-body');
        const before = await subscription(subscriber);
        const res = await api.call(
          'subscriptionWebhook',
          webhookRequest({ ...processed, ...change }),
        );
        expectStatus(res, 200);
        expect(res.body).toMatchObject({ status: 'duplicate' });
        expect(await subscription(subscriber)).toEqual(before);
      });
    }

    it('a signed new event without a type → 400', async () => {
      proves('s10.webhook.body');
      const event: Record<string, unknown> = { ...webhookEvent(quiet.id) };
      delete event.type;
      const res = await api.call('subscriptionWebhook', webhookRequest(event));
      expectError(res, 400, 'validation_error');
      expect(await subscription(quiet)).toEqual(quietBefore);
    });
  },
);
