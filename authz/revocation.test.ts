/**
 * Revocation (§3, §4): a removed member loses all access at once with the same token; logout
 * revokes the token it is sent with; a password reset revokes every token of the user.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { api, expectError, expectStatus, failureText } from '../fixtures/harness/client/client.ts';
import type { Actor } from '../fixtures/harness/actors.ts';
import { canaryPassword } from '../fixtures/harness/secrets/canary.ts';
import { config } from '../fixtures/harness/config.ts';
import {
  addMember,
  complete,
  newResidence,
  newTask,
  newUser,
  removeMember,
} from '../fixtures/harness/factories.ts';
import { recordSecretsForFinalScan } from '../fixtures/harness/secrets/log-leak-scan.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { runId, tagged } from '../fixtures/harness/run.ts';
import { mediaPath } from '../fixtures/harness/client/links.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...FACTORY_OPS.user,
  ...FACTORY_OPS.residence,
  ...FACTORY_OPS.member,
  ...FACTORY_OPS.task,
  ...FACTORY_OPS.completion,
  'removeResidenceUser',
  'forgotPassword',
  'getCompletion',
  'getMe',
  'getResidence',
  'getTask',
  'listResidenceUsers',
  'listResidences',
  'login',
  'logout',
  'resetPassword',
  'updateTask',
  'verifyResetCode',
);
/** Documents are checked where the target documents them (else that part skips, printed). */
const docs = requireOps('createDocument', 'getDocument');

afterAll(() => recordSecretsForFinalScan());

const PDF = Buffer.from(`%PDF-1.4\n% ${runId} revocation\ntrailer<<>>\n%%EOF\n`);

/** A second token of the same user (a fresh login). */
async function login(user: Actor): Promise<Actor> {
  const res = expectStatus(
    await api.call('login', {
      body: { username: user.username, password: user.password },
      retryOn429: false,
    }),
    200,
  );
  expect(res.body.user.id).toBe(user.id);
  return { ...user, token: res.body.token };
}

suite('a removed member loses all access at once, with the same token', () => {
  it('every read and write that worked before the removal is refused after it', async () => {
    proves('s4.removed.loses-access', 's4.get.other', 's5.access.other-by-id', 's7.access.other');
    const owner = await newUser({ name: 'owner' });
    const member = await newUser({ name: 'member' });
    const residence = await newResidence(owner);
    await addMember(residence, owner, member);
    const task = await newTask(owner, residence, { title: tagged('revocation task') });
    const completion = await complete(
      owner,
      await newTask(owner, residence, { title: tagged('rev done') }),
    );
    const doc = docs.ok
      ? expectStatus(
          await api.call('createDocument', {
            as: owner,
            multipart: {
              fields: {
                residence_id: residence.id,
                title: tagged('rev doc'),
                document_type: 'other',
              },
              files: {
                file: {
                  content: PDF,
                  filename: `rev-${runId}.pdf`,
                  contentType: 'application/pdf',
                },
              },
            },
          }),
          201,
        ).body
      : undefined;

    // before: the member can see everything
    expectStatus(await api.call('getResidence', { as: member, path: { id: residence.id } }), 200);
    expectStatus(await api.call('getTask', { as: member, path: { id: task.id } }), 200);
    expectStatus(await api.call('getCompletion', { as: member, path: { id: completion.id } }), 200);
    if (doc) {
      expectStatus(await api.call('getDocument', { as: member, path: { id: doc.id } }), 200);
      expectStatus(await api.raw('GET', mediaPath(doc.file_url), { as: member }), 200);
    }

    await removeMember(residence, owner, member);

    // after: the same token, every path → 404, every body naming it → 400
    expectError(
      await api.call('getResidence', { as: member, path: { id: residence.id } }),
      404,
      'not_found',
    );
    expectError(await api.call('getTask', { as: member, path: { id: task.id } }), 404, 'not_found');
    expectError(
      await api.call('updateTask', {
        as: member,
        path: { id: task.id },
        body: { title: tagged('after removal') },
      }),
      404,
      'not_found',
    );
    expectError(
      await api.call('getCompletion', { as: member, path: { id: completion.id } }),
      404,
      'not_found',
    );
    if (doc) {
      expectError(
        await api.call('getDocument', { as: member, path: { id: doc.id } }),
        404,
        'not_found',
      );
      expectError(await api.raw('GET', mediaPath(doc.file_url), { as: member }), 404, 'not_found');
    }
    expectError(
      await api.call('listResidenceUsers', { as: member, path: { id: residence.id } }),
      404,
      'not_found',
    );
    const list = expectStatus(await api.call('listResidences', { as: member }), 200).body;
    expect(list.map((r: { id: number }) => r.id)).not.toContain(residence.id);
    const t = expectStatus(
      await api.call('getTask', { as: owner, path: { id: task.id } }),
      200,
    ).body;
    expect(t.title).toBe(task.title);
  });
});

suite('logout revokes the token', () => {
  it('a logged-out token is 401 everywhere', async () => {
    proves('s3.logout.no-content', 's3.logout.revokes', 's1.auth.revoked');
    const user = await newUser({ name: 'logout' });
    const second = await login(user);
    expectStatus(await api.call('logout', { as: second }), 204);
    expectError(await api.call('getMe', { as: second }), 401, 'unauthorized');
    expectError(await api.call('listResidences', { as: second }), 401, 'unauthorized');
  });

  it('logging out again with a logged-out token is 401', async () => {
    proves('s3.logout.no-content', 's3.logout.revokes', 's1.auth.revoked');
    const user = await newUser({ name: 'logout-again' });
    const second = await login(user);
    expectStatus(await api.call('logout', { as: second }), 204);
    expectError(await api.call('logout', { as: second }), 401, 'unauthorized');
  });

  it('logout revokes only the token it was sent with', async () => {
    proves('s3.logout.revokes');
    const user = await newUser({ name: 'logout-other' });
    const second = await login(user);
    expectStatus(await api.call('logout', { as: second }), 204);
    const me = expectStatus(await api.call('getMe', { as: user }), 200).body;
    expect(me.id).toBe(user.id);
  });
});

/** forgot-password → verify-reset-code → reset-password for `user`; the new password. */
async function resetPasswordOf(user: Actor): Promise<string> {
  expectStatus(
    await api.call('forgotPassword', { body: { email: user.email }, retryOn429: false }),
    200,
  );
  const verified = expectStatus(
    await api.call('verifyResetCode', {
      body: { email: user.email, code: config.testCode },
      retryOn429: false,
    }),
    200,
  );
  const newPassword = canaryPassword();
  expectStatus(
    await api.call('resetPassword', {
      body: { reset_token: verified.body.reset_token, new_password: newPassword },
      retryOn429: false,
    }),
    200,
  );
  return newPassword;
}

suite('a password reset revokes every token of the user', () => {
  it('after reset-password both earlier tokens are 401', async () => {
    proves('s3.reset.ok', 's3.reset.revokes-tokens', 's1.auth.revoked');
    const user = await newUser({ name: 'reset' });
    const second = await login(user);
    await resetPasswordOf(user);
    expectError(await api.call('getMe', { as: user }), 401, 'unauthorized');
    expectError(await api.call('getMe', { as: second }), 401, 'unauthorized');
  });

  it('after reset-password the old password fails and the new one works', async () => {
    proves('s3.reset.ok');
    const user = await newUser({ name: 'reset-password' });
    const newPassword = await resetPasswordOf(user);
    expectError(
      await api.call('login', {
        body: { username: user.username, password: user.password },
        retryOn429: false,
      }),
      401,
      'unauthorized',
    );
    const fresh = await login({ ...user, password: newPassword });
    expectStatus(await api.call('getMe', { as: fresh }), 200);
  });

  it('a used reset token cannot reset again', async () => {
    proves('s3.reset.once');
    const user = await newUser({ name: 'reset-once' });
    expectStatus(
      await api.call('forgotPassword', { body: { email: user.email }, retryOn429: false }),
      200,
    );
    const token = expectStatus(
      await api.call('verifyResetCode', {
        body: { email: user.email, code: config.testCode },
        retryOn429: false,
      }),
      200,
    ).body.reset_token;
    const first = canaryPassword();
    expectStatus(
      await api.call('resetPassword', {
        body: { reset_token: token, new_password: first },
        retryOn429: false,
      }),
      200,
    );
    const again = await api.call('resetPassword', {
      body: { reset_token: token, new_password: canaryPassword() },
      retryOn429: false,
    });
    // §3: the token works once; the refusal's status is not fixed (any 4xx)
    expect(again.status, failureText(again, `status ${again.status}`)).toBeGreaterThanOrEqual(400);
    expect(again.status, failureText(again, `status ${again.status}`)).toBeLessThan(500);
    // the first new password still works: the second reset changed nothing
    await login({ ...user, password: first });
  });
});
