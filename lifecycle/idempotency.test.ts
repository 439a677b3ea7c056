/**
 * §5.2 Idempotency-Key on both creations (POST /api/task-completions/ and quick-complete): the
 * same key and body replay the first response with one completion stored; another body or
 * another endpoint with the same key → 409 conflict; keys are per user; only 2xx answers are
 * kept; an empty key or one over 255 characters → 400.
 */
import type { Actor } from '../fixtures/harness/actors.ts';
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';
import { api, expectError, expectStatus } from '../fixtures/harness/client/client.ts';
import { newResidence, newTask, newUser, staticIds } from '../fixtures/harness/factories.ts';
import { proves } from '../fixtures/harness/rules.ts';
import {
  answeredBefore,
  judgeWindow,
  shortWindows,
  shortWindowsSkipReason,
  sleepUntil,
} from '../fixtures/harness/short-windows.ts';
import {
  act,
  postCompletion,
  createTask,
  listCompletions,
  quickComplete,
  readTask,
  LIFECYCLE_OPS,
} from '../fixtures/harness/factories.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...FACTORY_OPS.user,
  ...FACTORY_OPS.residence,
  ...FACTORY_OPS.member,
  ...LIFECYCLE_OPS,
);

let owner: Actor;
let member: Actor;
let residenceId: number;

// the file's owner, residence and a member of it (fixtures, built only when a test runs)
if (suite.ok) {
  test.beforeAll(({ home, member: joined }) => {
    owner = home.owner;
    member = joined;
    residenceId = home.residence.id;
  });
}

const freshKey = () => `lifecycle-${crypto.randomUUID()}`;
const key = (k: string) => ({ 'Idempotency-Key': k });

suite('§5.2 the same key and body replay the first response', () => {
  it('POST /api/task-completions/ twice with one key → the same completion, one stored', async () => {
    proves('s5.2.idem.replay-completion', 's5.2.idem.nothing-new');
    const task = await createTask(owner, residenceId, { frequency: 'weekly' });
    const k = freshKey();
    const first = expectStatus(
      await postCompletion(owner, task.id, { notes: 'gutters', headers: key(k) }),
      201,
    );
    const again = expectStatus(
      await postCompletion(owner, task.id, { notes: 'gutters', headers: key(k) }),
      201,
    );
    expect(again.body).toEqual(first.body);
    expect(await listCompletions(owner, task.id)).toHaveLength(1);
    expect((await readTask(owner, task.id)).completion_count).toBe(1);
  });

  it('a replay on a one-time task answers the first 201, not a 409 for the now-done task', async () => {
    proves('s5.2.idem.replay-completion', 's5.2.idem.nothing-new');
    const task = await createTask(owner, residenceId, { frequency: 'once' });
    const k = freshKey();
    const first = expectStatus(await postCompletion(owner, task.id, { headers: key(k) }), 201);
    const again = expectStatus(await postCompletion(owner, task.id, { headers: key(k) }), 201);
    expect(again.body.id).toBe(first.body.id);
    expect(await listCompletions(owner, task.id)).toHaveLength(1);
  });

  it('quick-complete twice with one key → the first answer again, one completion stored', async () => {
    proves('s5.2.idem.replay-quick-complete', 's5.2.idem.nothing-new');
    const task = await createTask(owner, residenceId, { frequency: 'daily' });
    const k = freshKey();
    const first = expectStatus(await quickComplete(owner, task.id, key(k)), 201);
    const again = expectStatus(await quickComplete(owner, task.id, key(k)), 201);
    expect(again.body).toEqual(first.body);
    expect(await listCompletions(owner, task.id)).toHaveLength(1);
    expect((await readTask(owner, task.id)).completion_count).toBe(1);
  });
});

suite('§5.2 the same key for another request → 409 conflict', () => {
  it('the same key with another body → 409 conflict, nothing new stored', async () => {
    proves('s5.2.idem.other-body', 's5.2.duplicate-code');
    const task = await createTask(owner, residenceId, { frequency: 'weekly' });
    const k = freshKey();
    expectStatus(await postCompletion(owner, task.id, { notes: 'first', headers: key(k) }), 201);
    const before = await readTask(owner, task.id);
    expectError(
      await postCompletion(owner, task.id, { notes: 'second', headers: key(k) }),
      409,
      'conflict',
    );
    expect(await readTask(owner, task.id)).toEqual(before);
    expect(await listCompletions(owner, task.id)).toHaveLength(1);
  });

  it('a completion key reused on quick-complete → 409 conflict', async () => {
    proves('s5.2.idem.other-endpoint', 's5.2.duplicate-code');
    const task = await createTask(owner, residenceId, { frequency: 'weekly' });
    const k = freshKey();
    expectStatus(await postCompletion(owner, task.id, { headers: key(k) }), 201);
    const before = await readTask(owner, task.id);
    expectError(await quickComplete(owner, task.id, key(k)), 409, 'conflict');
    expect(await readTask(owner, task.id)).toEqual(before);
  });

  it('a quick-complete key reused on POST /api/task-completions/ → 409 conflict', async () => {
    proves('s5.2.idem.other-endpoint', 's5.2.duplicate-code');
    const task = await createTask(owner, residenceId, { frequency: 'weekly' });
    const k = freshKey();
    expectStatus(await quickComplete(owner, task.id, key(k)), 201);
    const before = await readTask(owner, task.id);
    expectError(await postCompletion(owner, task.id, { headers: key(k) }), 409, 'conflict');
    expect(await readTask(owner, task.id)).toEqual(before);
  });

  it('a quick-complete key reused on another task → 409 conflict', async () => {
    proves('s5.2.idem.other-endpoint');
    const [a, b] = await Promise.all([
      createTask(owner, residenceId, { frequency: 'weekly' }),
      createTask(owner, residenceId, { frequency: 'weekly' }),
    ]);
    const k = freshKey();
    expectStatus(await quickComplete(owner, a.id, key(k)), 201);
    expectError(await quickComplete(owner, b.id, key(k)), 409, 'conflict');
    expect((await readTask(owner, b.id)).completion_count).toBe(0);
  });
});

suite('§5.2 keys are per user', () => {
  it('another user sending the same key and body gets its own completion', async () => {
    proves('s5.2.idem.per-user');
    const task = await createTask(owner, residenceId, { frequency: 'weekly' });
    const k = freshKey();
    const mine = expectStatus(
      await postCompletion(owner, task.id, { notes: 'same', headers: key(k) }),
      201,
    );
    const theirs = expectStatus(
      await postCompletion(member, task.id, { notes: 'same', headers: key(k) }),
      201,
    );
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(await listCompletions(owner, task.id)).toHaveLength(2);
  });
});

suite('§5.2 only 2xx answers are kept', () => {
  it('a key whose first use was refused (409) completes on a later success', async () => {
    proves('s5.2.idem.only-2xx');
    const task = await createTask(owner, residenceId, { frequency: 'weekly' });
    expectStatus(await act(owner, task.id, 'cancel'), 200);
    const k = freshKey();
    expectError(
      await postCompletion(owner, task.id, { headers: key(k) }),
      409,
      'invalid_transition',
    );
    expectStatus(await act(owner, task.id, 'uncancel'), 200);
    expectStatus(await postCompletion(owner, task.id, { headers: key(k) }), 201);
    expect(await listCompletions(owner, task.id)).toHaveLength(1);
  });

  it('a key whose first use was invalid (400) completes on a later valid body', async () => {
    proves('s5.2.idem.only-2xx');
    const task = await createTask(owner, residenceId, { frequency: 'once' });
    const k = freshKey();
    const future = new Date(Date.now() + 60 * 60_000).toISOString();
    expectError(
      await postCompletion(owner, task.id, { completedAt: future, headers: key(k) }),
      400,
      'validation_error',
    );
    expectStatus(await postCompletion(owner, task.id, { headers: key(k) }), 201);
    expect(await listCompletions(owner, task.id)).toHaveLength(1);
  });
});

suite('§5.2 key length', () => {
  it('an empty key → 400, nothing stored', async () => {
    proves('s5.2.idem.empty-key');
    const task = await createTask(owner, residenceId, { frequency: 'once' });
    expectError(
      await postCompletion(owner, task.id, { headers: key('') }),
      400,
      'validation_error',
    );
    expectError(await quickComplete(owner, task.id, key('')), 400, 'validation_error');
    expect((await readTask(owner, task.id)).completion_count).toBe(0);
  });

  it('a key over 255 characters → 400, nothing stored', async () => {
    proves('s5.2.idem.long-key');
    const task = await createTask(owner, residenceId, { frequency: 'once' });
    const long = 'k'.repeat(256);
    expectError(
      await postCompletion(owner, task.id, { headers: key(long) }),
      400,
      'validation_error',
    );
    expectError(await quickComplete(owner, task.id, key(long)), 400, 'validation_error');
    expect((await readTask(owner, task.id)).completion_count).toBe(0);
  });

  it('a key of exactly 255 characters is accepted', async () => {
    proves('s5.2.idem.long-key');
    const task = await createTask(owner, residenceId, { frequency: 'once' });
    const k = (freshKey() + 'k'.repeat(255)).slice(0, 255);
    expectStatus(await postCompletion(owner, task.id, { headers: key(k) }), 201);
  });
});

/**
 * The 24 h window is only observable on a target with a short TTL: the short-window target
 * (fixtures/harness/short-windows.ts, CASERA_IDEMPOTENCY_TTL_SECONDS there). One key is replayed
 * within the TTL (a target that forgets at once fails), another is sent again TTL + 1 s later (a
 * target that never forgets fails); two keys, so a replay that might restart the TTL is never
 * relied on.
 */
suite('§5.2 a key is honoured for its TTL (short-window target)', () => {
  it('within the TTL the key replays; TTL + 1 s later the same key and body create a new completion', async (ctx) => {
    proves('s5.2.idem.ttl');
    const short = shortWindows();
    if (!short) return ctx.skip(shortWindowsSkipReason());
    const ttl = short.limits.idempotencyTtlSeconds;
    const target = 'short-windows' as const;
    await judgeWindow('an Idempotency-Key within and after its TTL', async () => {
      const user = await newUser({ name: 'owner', target });
      const residence = await newResidence(user, {}, { target });
      const weekly = (await staticIds({ target })).task_frequencies.weekly;
      const [replayed, expired] = await Promise.all(
        [0, 1].map(() => newTask(user, residence, { frequency_id: weekly }, { target })),
      );
      const send = (taskId: number, k: string) =>
        api.call('createCompletion', {
          as: user,
          body: { task_id: taskId, notes: 'ttl' },
          headers: key(k),
          target,
        });
      const stored = async (taskId: number) =>
        expectStatus(
          await api.call('listCompletions', { as: user, query: { task_id: taskId }, target }),
          200,
        ).body.count;
      const [kReplayed, kExpired] = [freshKey(), freshKey()];
      const sent = Date.now();
      const [first, firstExpired] = await Promise.all([
        send(replayed.id, kReplayed),
        send(expired.id, kExpired),
      ]);
      const received = Date.now();
      expectStatus(first, 201);
      expectStatus(firstExpired, 201);

      // 40 % into the TTL: the key replays the first answer, nothing new stored
      await sleepUntil(sent + ttl * 1000 * 0.4);
      const replay = await send(replayed.id, kReplayed);
      answeredBefore({ received: Date.now() }, sent + ttl * 1000, 'the replay within the TTL');
      expectStatus(replay, 201);
      expect(replay.body.id).toBe(first.body.id);
      expect(await stored(replayed.id)).toBe(1);

      // TTL + 1 s later: the key is forgotten, the same key and body make a new completion
      await sleepUntil(received + (ttl + 1) * 1000);
      const later = expectStatus(await send(expired.id, kExpired), 201);
      expect(later.body.id).not.toBe(firstExpired.body.id);
      expect(await stored(expired.id)).toBe(2);
    });
  }, 120_000);
});
