/**
 * Subscription webhook (§9, §10): only a body signed with the shared secret has an effect; a
 * replayed event_id is a duplicate with no second effect, whatever the rest of the body; the
 * tier follows the events.
 */
import crypto from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  api,
  expectError,
  expectStatus,
  type ApiResponse,
} from '../fixtures/harness/client/client.ts';
import type { Actor } from '../fixtures/harness/actors.ts';
import { config } from '../fixtures/harness/config.ts';
import { newUser } from '../fixtures/harness/factories.ts';
import { recordSecretsForFinalScan } from '../fixtures/harness/secrets/log-leak-scan.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { runId } from '../fixtures/harness/run-id.ts';
import { registerSecret } from '../fixtures/harness/secrets/secrets.ts';
import { signatureHeaders, signWebhook as sign } from '../fixtures/harness/webhook.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(...FACTORY_OPS.user, 'getSubscription', 'subscriptionWebhook');

afterAll(() => recordSecretsForFinalScan());
registerSecret(config.webhookSecret, 'webhook_secret');

let seq = 0;
const eventId = (): string =>
  `evt_${runId}_${process.pid}_${(seq += 1)}_${crypto.randomBytes(3).toString('hex')}`;
/** Whole-second instants: §12 leaves the precision a target keeps and emits open. */
const inDays = (d: number): string =>
  new Date(Date.now() + d * 86400_000).toISOString().replace(/\.\d+Z$/, 'Z');

/** A renewal of `userId`'s subscription for 30 days, under a fresh event_id. */
const renewal = (userId: number): Event => ({
  event_id: eventId(),
  type: 'subscription.renewed',
  user_id: userId,
  expires_at: inDays(30),
});

interface Event {
  event_id: string;
  type: 'subscription.renewed' | 'subscription.expired';
  user_id: number;
  expires_at: string;
}

function deliver(raw: string, signature: string | null): Promise<ApiResponse> {
  return api.call('subscriptionWebhook', {
    as: null,
    rawBody: { content: raw, contentType: 'application/json' },
    headers: signatureHeaders(signature),
  });
}

const send = (e: Event): Promise<ApiResponse> => {
  const raw = JSON.stringify(e);
  return deliver(raw, sign(raw));
};

async function subscription(
  user: Actor,
): Promise<{ tier: string; expires_at: string | null; last_event_id: string | null }> {
  return expectStatus(await api.call('getSubscription', { as: user }), 200).body;
}

suite('webhook signature', () => {
  it('a bad signature → 401 and no effect', async () => {
    proves('s9.signature.bad');
    const user = await newUser({ name: 'wh-bad' });
    const before = await subscription(user);
    const raw = JSON.stringify(renewal(user.id));
    expectError(
      await deliver(raw, sign(raw, `${config.webhookSecret}-wrong`)),
      401,
      'unauthorized',
    );
    expect(await subscription(user)).toEqual(before);
  });

  it('a missing signature → 401 and no effect', async () => {
    proves('s9.signature.missing');
    const user = await newUser({ name: 'wh-missing' });
    const before = await subscription(user);
    const raw = JSON.stringify(renewal(user.id));
    expectError(await deliver(raw, null), 401, 'unauthorized');
    expect(await subscription(user)).toEqual(before);
  });

  it('a valid signature of another body → 401 and no effect', async () => {
    proves('s9.signature.bad');
    const user = await newUser({ name: 'wh-other-body' });
    const before = await subscription(user);
    const signed = JSON.stringify({
      event_id: eventId(),
      type: 'subscription.expired',
      user_id: user.id,
      expires_at: inDays(1),
    });
    const raw = JSON.stringify(renewal(user.id));
    expectError(await deliver(raw, sign(signed)), 401, 'unauthorized');
    expect(await subscription(user)).toEqual(before);
  });

  it('the signature covers the raw bytes: re-serialised JSON with the old signature → 401', async () => {
    proves('s9.signature.valid', 's9.signature.bad');
    const user = await newUser({ name: 'wh-raw' });
    const before = await subscription(user);
    const e = renewal(user.id);
    const signedRaw = JSON.stringify(e);
    const spaced = JSON.stringify(e, null, 2);
    expectError(await deliver(spaced, sign(signedRaw)), 401, 'unauthorized');
    expect(await subscription(user)).toEqual(before);
  });

  it('the signature is checked before the content type: an unsigned or badly signed event sent as text/plain → 401, not 415', async () => {
    proves('s10.webhook.signature-first');
    const user = await newUser({ name: 'wh-sig-before-type' });
    const before = await subscription(user);
    const raw = JSON.stringify(renewal(user.id));
    for (const signature of [null, sign(`${raw} `)]) {
      const res = await api.call('subscriptionWebhook', {
        as: null,
        rawBody: { content: raw, contentType: 'text/plain' },
        headers: signatureHeaders(signature),
      });
      expectError(res, 401, 'unauthorized');
    }
    expect(await subscription(user)).toEqual(before);
  });

  it('the signature is checked before the body: unsigned garbage → 401, not 400', async () => {
    proves('s10.webhook.signature-first');
    expectError(await deliver('{not json', null), 401, 'unauthorized');
  });
});

suite('webhook events', () => {
  it('renewed → 200 processed and the tier is pro', async () => {
    proves('s9.processed', 's9.tier.renewed', 's9.signature.valid', 's9.subscription.get');
    const user = await newUser({ name: 'wh-renew' });
    const e: Event = renewal(user.id);
    const res = expectStatus(await send(e), 200);
    expect(res.body).toMatchObject({ status: 'processed' });
    const sub = await subscription(user);
    expect(sub.tier).toBe('pro');
    expect(sub.last_event_id).toBe(e.event_id);
    expect(Date.parse(sub.expires_at ?? '')).toBe(Date.parse(e.expires_at));
  });

  it('expired after renewed → the tier is free', async () => {
    proves('s9.tier.expired');
    const user = await newUser({ name: 'wh-expire' });
    expectStatus(await send(renewal(user.id)), 200);
    const e: Event = {
      event_id: eventId(),
      type: 'subscription.expired',
      user_id: user.id,
      expires_at: inDays(0),
    };
    expect(expectStatus(await send(e), 200).body).toMatchObject({ status: 'processed' });
    const sub = await subscription(user);
    expect(sub.tier).toBe('free');
    expect(sub.last_event_id).toBe(e.event_id);
  });

  it('expired with an expires_at still in the future → the tier is free (the event decides, not the date)', async () => {
    proves('s9.tier.expired');
    const user = await newUser({ name: 'wh-expire-future' });
    const renewed: Event = renewal(user.id);
    expectStatus(await send(renewed), 200);
    const e: Event = {
      event_id: eventId(),
      type: 'subscription.expired',
      user_id: user.id,
      expires_at: inDays(10),
    };
    expect(expectStatus(await send(e), 200).body).toMatchObject({ status: 'processed' });
    expect((await subscription(user)).tier).toBe('free');
  });

  it('a replayed event_id → 200 duplicate with no second effect, whatever the rest of the body', async () => {
    proves(
      's9.duplicate',
      's9.duplicate.no-effect',
      's9.duplicate.any-body',
      's10.webhook.duplicate-before-body',
    );
    const user = await newUser({ name: 'wh-replay' });
    const first: Event = renewal(user.id);
    expectStatus(await send(first), 200);
    const after = await subscription(user);
    // same event_id, another type: must not downgrade
    const replay = expectStatus(
      await send({ ...first, type: 'subscription.expired', expires_at: inDays(1) }),
      200,
    );
    expect(replay.body).toMatchObject({ status: 'duplicate' });
    // same event_id, an identical body
    expect(expectStatus(await send(first), 200).body).toMatchObject({ status: 'duplicate' });
    expect(await subscription(user)).toEqual(after);
  });

  it('a replay naming another user changes neither user', async () => {
    proves('s9.duplicate.no-effect', 's9.duplicate.any-body');
    const user = await newUser({ name: 'wh-replay-a' });
    const other = await newUser({ name: 'wh-replay-b' });
    const first: Event = renewal(user.id);
    expectStatus(await send(first), 200);
    const otherBefore = await subscription(other);
    const userBefore = await subscription(user);
    expect(expectStatus(await send({ ...first, user_id: other.id }), 200).body).toMatchObject({
      status: 'duplicate',
    });
    expect(await subscription(other)).toEqual(otherBefore);
    expect(await subscription(user)).toEqual(userBefore);
  });

  it('an unknown user_id → 400', async () => {
    proves('s9.unknown-user');
    const e: Event = {
      event_id: eventId(),
      type: 'subscription.renewed',
      user_id: 9_007_199_254_740_991,
      expires_at: inDays(30),
    };
    expectError(await send(e), 400, 'validation_error');
  });
});
