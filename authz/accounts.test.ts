/**
 * Accounts (§3): registration, login, the profile, email verification and the password-reset
 * codes. Every test registers its own users (usernames from the run id and a process-unique
 * suffix, passwords that are canaries), so parallel workers never collide and no test trips
 * another's per-account limits. Expected values come from the contract, never from a response.
 */
import crypto from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  api,
  expectError,
  expectStatus,
  failureText,
  type ApiResponse,
} from '../fixtures/harness/client/client.ts';
import type { Actor } from '../fixtures/harness/actors.ts';
import { canaryPassword } from '../fixtures/harness/secrets/canary.ts';
import { config } from '../fixtures/harness/config.ts';
import { newUser } from '../fixtures/harness/factories.ts';
import { recordSecretsForFinalScan } from '../fixtures/harness/secrets/log-leak-scan.ts';
import { echoedSecrets } from '../fixtures/harness/secrets/response-disclosure.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { runId, uniqueSuffix } from '../fixtures/harness/run.ts';
import {
  answeredBefore,
  judgeWindow,
  shortWindows,
  shortWindowsSkipReason,
  sleepUntil,
  timed,
} from '../fixtures/harness/short-windows.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...FACTORY_OPS.user,
  'forgotPassword',
  'getMe',
  'login',
  'resendVerification',
  'resetPassword',
  'updateMe',
  'verifyResetCode',
);

afterAll(() => recordSecretsForFinalScan());

/** The user fields §3 lists (a target may answer more, §12). */
const USER_KEYS = [
  'email',
  'first_name',
  'id',
  'is_verified',
  'last_name',
  'timezone',
  'username',
].sort();

/** A username nobody else uses: `ct_<runId>_<suffix>` (≤ 30 characters). */
function freshUsername(): string {
  return `ct_${runId}_${uniqueSuffix()}`.slice(0, 30);
}

interface Registration {
  username: string;
  email: string;
  password: string;
  first_name?: string;
  last_name?: string;
  timezone?: string;
}

/** A registration body with a fresh username, its email and a canary password. */
function registration(extra: Partial<Registration> = {}): Registration {
  const username = extra.username ?? freshUsername();
  return { username, email: `${username}@example.test`, password: canaryPassword(), ...extra };
}

function register(body: Registration | Record<string, unknown>): Promise<ApiResponse> {
  return api.call('register', { body, retryOn429: false });
}

/** Registers and returns the actor (201 asserted). */
async function registered(extra: Partial<Registration> = {}): Promise<Actor> {
  const body = registration(extra);
  const res = expectStatus(await register(body), 201);
  return {
    name: 'account',
    id: res.body.user.id,
    username: res.body.user.username,
    email: res.body.user.email,
    password: body.password,
    token: res.body.token,
  };
}

const login = (username: string, password: string): Promise<ApiResponse> =>
  api.call('login', { body: { username, password }, retryOn429: false });

async function me(as: Actor) {
  return expectStatus(await api.call('getMe', { as }), 200).body;
}

/** A random username of exactly `n` characters of [a-z0-9]. */
function randomName(n: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(crypto.randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
}

suite('register (POST /api/auth/register/)', () => {
  it('answers 201 {token, user} with the user it created', async () => {
    proves('s3.register.created');
    const body = registration({
      first_name: 'Ada',
      last_name: `Lovelace ${runId}`,
      timezone: 'Europe/Berlin',
    });
    const res = expectStatus(await register(body), 201);
    expect(Object.keys(res.body)).toEqual(expect.arrayContaining(['token', 'user']));
    expect(typeof res.body.token).toBe('string');
    expect(res.body.token.length).toBeGreaterThan(0);
    const user = res.body.user;
    expect(Object.keys(user)).toEqual(expect.arrayContaining(USER_KEYS));
    expect(user).toMatchObject({
      username: body.username,
      email: body.email,
      first_name: 'Ada',
      last_name: `Lovelace ${runId}`,
      timezone: 'Europe/Berlin',
    });
    expect(Number.isInteger(user.id) && user.id > 0).toBe(true);
  });

  it('the token it answers authenticates as the user it created', async () => {
    proves('s3.register.created');
    const body = registration();
    const res = expectStatus(await register(body), 201);
    const user = res.body.user;
    const actor: Actor = { ...body, name: 'registered', id: user.id, token: res.body.token };
    expect(await me(actor)).toEqual(user);
  });

  it('without a timezone the user’s timezone is UTC', async () => {
    proves('s3.register.timezone-default');
    const body = registration();
    const res = expectStatus(await register(body), 201);
    expect(res.body.user.timezone).toBe('UTC');
    const actor: Actor = { ...body, name: 'tz', id: res.body.user.id, token: res.body.token };
    expect((await me(actor)).timezone).toBe('UTC');
  });

  it('the new user starts unverified (is_verified false)', async () => {
    proves('s3.register.unverified');
    const body = registration();
    const res = expectStatus(await register(body), 201);
    expect(res.body.user.is_verified).toBe(false);
    const actor: Actor = {
      ...body,
      name: 'unverified',
      id: res.body.user.id,
      token: res.body.token,
    };
    expect((await me(actor)).is_verified).toBe(false);
  });

  it('a username of 3 and of 30 characters is accepted', async () => {
    proves('s3.register.username-length');
    const thirty = `ct_${runId}_${uniqueSuffix()}`.padEnd(30, 'x').slice(0, 30);
    expect(thirty).toHaveLength(30);
    const long = expectStatus(await register(registration({ username: thirty })), 201);
    expect(long.body.user.username).toBe(thirty);
    // A 3-character name may already be taken on a long-lived target: a 409 means the length
    // passed validation; try another name then.
    let res: ApiResponse | undefined;
    for (let i = 0; i < 8; i += 1) {
      const three = randomName(3);
      res = await register(
        registration({ username: three, email: `${freshUsername()}@example.test` }),
      );
      if (res.status !== 409) break;
    }
    expectStatus(res!, 201);
    expect(res!.body.user.username).toHaveLength(3);
  });

  it('a username of 2 or of 31 characters → 400', async () => {
    proves('s3.register.username-length');
    const two = randomName(2);
    const thirtyOne = `ct_${runId}_${uniqueSuffix()}`.padEnd(31, 'y').slice(0, 31);
    expect(thirtyOne).toHaveLength(31);
    for (const username of [two, thirtyOne]) {
      const res = await register(
        registration({ username, email: `${freshUsername()}@example.test` }),
      );
      // §3 fixes the 400; details are required only for names the caller cannot see (§12)
      expectError(res, 400, 'validation_error');
    }
  });

  it('a username of letters (both cases), digits, `_`, `.` and `-` is accepted', async () => {
    proves('s3.register.username-charset');
    const username = `Ct_${runId}.A-z9_${uniqueSuffix()}`.slice(0, 30);
    const res = expectStatus(
      await register(registration({ username, email: `${freshUsername()}@example.test` })),
      201,
    );
    expect(res.body.user.username).toBe(username);
  });

  for (const bad of [' ', '@', '!', '+', '/', 'é', '#', '$']) {
    it(`a username containing ${JSON.stringify(bad)} → 400`, async () => {
      proves('s3.register.username-charset');
      const username = `ct_${runId}${bad}${randomName(4)}`;
      const res = await register(
        registration({ username, email: `${freshUsername()}@example.test` }),
      );
      // §3 fixes the 400; details are required only for names the caller cannot see (§12)
      expectError(res, 400, 'validation_error');
    });
  }

  it('an email already registered, in another letter case → 409 conflict, no account made', async () => {
    proves('s3.register.email-unique', 's1.error.conflict');
    const first = await registered();
    for (const email of [first.email, first.email.toUpperCase()]) {
      const second = registration({ email });
      const res = await register(second);
      expectError(res, 409, 'conflict');
      expect(echoedSecrets(res.text, [second.password])).toEqual([]);
      expectError(await login(second.username, second.password), 401, 'unauthorized');
    }
  });

  it('a username already registered, in another letter case → 409 conflict, no account made', async () => {
    proves('s3.register.username-unique', 's1.error.conflict');
    const first = await registered();
    for (const username of [first.username, first.username.toUpperCase()]) {
      const second = registration({ username, email: `${freshUsername()}@example.test` });
      const res = await register(second);
      expectError(res, 409, 'conflict');
      // the original account keeps its password; the second one was never stored
      expectError(await login(second.email, second.password), 401, 'unauthorized');
    }
    expectStatus(await login(first.username, first.password), 200);
  });
});

suite('login (POST /api/auth/login/)', () => {
  it('the username and password answer 200 {token, user}; the token authenticates', async () => {
    proves('s3.login.ok');
    const user = await registered();
    const res = expectStatus(await login(user.username, user.password), 200);
    expect(Object.keys(res.body)).toEqual(expect.arrayContaining(['token', 'user']));
    expect(res.body.user.id).toBe(user.id);
    expect(res.body.user.username).toBe(user.username);
    expect(Object.keys(res.body.user)).toEqual(expect.arrayContaining(USER_KEYS));
    const fromToken = await me({ ...user, token: res.body.token });
    expect(fromToken.id).toBe(user.id);
  });

  it('the email in place of the username logs in the same user', async () => {
    proves('s3.login.by-email');
    const user = await registered();
    const res = expectStatus(await login(user.email, user.password), 200);
    expect(res.body.user.id).toBe(user.id);
    expect((await me({ ...user, token: res.body.token })).id).toBe(user.id);
  });

  it('an unknown user and a wrong password give the same 401', async () => {
    proves('s3.login.same-401');
    const user = await registered();
    const wrong = await login(user.username, canaryPassword());
    const unknown = await login(`ct_${runId}_nobody${randomName(6)}`, canaryPassword());
    expectError(wrong, 401, 'unauthorized');
    expectError(unknown, 401, 'unauthorized');
    // the same 401: the same error body in the contract's fields (§1 {error, message, details});
    // fields beyond them (a request id, §12) may differ per request
    const contractPart = (b: { error?: unknown; message?: unknown; details?: unknown }) => ({
      error: b.error,
      message: b.message,
      details: b.details,
    });
    expect(contractPart(unknown.body)).toEqual(contractPart(wrong.body));
    expect(wrong.body.token).toBeUndefined();
  });

  // Refused attempts are only observable once the counted failures leave the window, so this
  // test addresses the short-window target (fixtures/harness/short-windows.ts) and waits.
  it('refused (429) attempts do not count: once the failures leave the window, the right password logs in', async (ctx) => {
    proves('s3.login.refused-not-counted');
    const short = shortWindows();
    if (!short) return ctx.skip(shortWindowsSkipReason());
    const { loginMaxFailures: max, loginWindowSeconds: w } = short.limits;
    const target = 'short-windows' as const;
    await judgeWindow('refused attempts leaving the login window', async () => {
      const attempt = (password: string) =>
        timed(() =>
          api.call('login', {
            body: { username: user.username, password },
            retryOn429: false,
            target,
          }),
        );
      const user = await newUser({ name: 'refused', target }); // fresh: limits are per account
      const failures = [];
      for (let i = 0; i < max; i += 1) {
        const t = await attempt(canaryPassword());
        expectError(t.res, 401, 'unauthorized');
        failures.push(t);
      }
      const first = failures[0];
      const last = failures[max - 1];
      // inside the window, as far from its end as from the moment the failures leave it (so both
      // checks below have the same room on a busy machine): more refused attempts than the limit
      await sleepUntil((first.sent + w * 1000 + last.received + 1000) / 2);
      const refused = [];
      for (let i = 0; i < max + 1; i += 1) {
        const t = await attempt(canaryPassword());
        expectError(t.res, 429, 'rate_limited');
        refused.push(t);
      }
      answeredBefore(refused[max], first.sent + w * 1000, 'the refused attempts within the window');
      // every failure has left the window (+1 s); the refused attempts are still inside it
      await sleepUntil(last.received + (w + 1) * 1000);
      const after = await attempt(user.password);
      answeredBefore(
        { received: after.received },
        refused[0].sent + w * 1000,
        'the login while the refused attempts are still inside the window',
      );
      expectStatus(after.res, 200);
      expect(after.res.body.user.id).toBe(user.id);
    });
  }, 150_000);
});

suite('the profile (GET/PATCH /api/auth/me/)', () => {
  it('GET answers the caller as {id, username, email, first_name, last_name, is_verified, timezone}', async () => {
    proves('s3.me.get');
    const body = registration({ first_name: 'Grace', last_name: 'Hopper', timezone: 'Asia/Tokyo' });
    const res = expectStatus(await register(body), 201);
    const actor: Actor = { ...body, name: 'me', id: res.body.user.id, token: res.body.token };
    const got = await me(actor);
    expect(Object.keys(got)).toEqual(expect.arrayContaining(USER_KEYS));
    expect(got).toMatchObject({
      id: res.body.user.id,
      username: body.username,
      email: body.email,
      first_name: 'Grace',
      last_name: 'Hopper',
      is_verified: false,
      timezone: 'Asia/Tokyo',
    });
  });

  it('PATCH changes first_name and last_name and nothing else', async () => {
    proves('s3.me.patch-names');
    const user = await newUser({ name: 'names' });
    const before = await me(user);
    const res = expectStatus(
      await api.call('updateMe', {
        as: user,
        body: { first_name: 'Renamed', last_name: `Person ${runId}` },
      }),
      200,
    );
    const expected = { ...before, first_name: 'Renamed', last_name: `Person ${runId}` };
    expect(res.body).toEqual(expected);
    expect(await me(user)).toEqual(expected);
  });

  it('PATCH changes the timezone to a valid IANA name', async () => {
    proves('s3.me.patch-timezone');
    const user = await newUser({ name: 'tz-patch' });
    const before = await me(user);
    for (const tz of ['America/New_York', 'Australia/Lord_Howe']) {
      const res = expectStatus(
        await api.call('updateMe', { as: user, body: { timezone: tz } }),
        200,
      );
      expect(res.body).toEqual({ ...before, timezone: tz });
      expect((await me(user)).timezone).toBe(tz);
    }
  });

  it('PATCH with a timezone no IANA database has → 400, nothing changes', async () => {
    proves('s3.me.patch-timezone-invalid');
    const user = await newUser({ name: 'tz-bad', timezone: 'Europe/Paris' });
    const before = await me(user);
    for (const tz of ['Mars/Olympus_Mons', 'Not a zone', 'UTC+25']) {
      const res = await api.call('updateMe', {
        as: user,
        body: { timezone: tz, first_name: 'Changed' },
      });
      expectError(res, 400, 'validation_error');
    }
    expect(await me(user)).toEqual(before);
  });

  const others: [string, unknown][] = [
    ['email', 'changed@example.test'],
    ['username', 'changed_name'],
    ['is_verified', true],
    ['id', 1],
    ['password', 'another-password-1'],
  ];
  it('PATCH of any field other than the names and timezone → 400, nothing changes', async () => {
    proves('s3.me.patch-other-fields');
    const user = await newUser({ name: 'other-fields', verified: false });
    const before = await me(user);
    for (const [field, value] of others) {
      const v = field === 'email' ? `${freshUsername()}@example.test` : value;
      const res = await api.call('updateMe', { as: user, body: { [field]: v } });
      expectError(res, 400, 'validation_error');
      expect(await me(user)).toEqual(before);
    }
    expect(before.is_verified).toBe(false);
  });
});

suite('email verification', () => {
  it('verify-email with the code answers 200 and sets is_verified', async () => {
    proves('s3.verify.ok');
    const user = await newUser({ name: 'verify', verified: false });
    expect((await me(user)).is_verified).toBe(false);
    expectStatus(
      await api.call('verifyEmail', {
        as: user,
        body: { code: config.testCode },
        retryOn429: false,
      }),
      200,
    );
    const after = await me(user);
    expect(after.is_verified).toBe(true);
    expect(after.id).toBe(user.id);
  });

  it('resend-verification answers 204 with no body', async () => {
    proves('s3.resend.no-content');
    const user = await newUser({ name: 'resend', verified: false });
    const res = expectStatus(
      await api.call('resendVerification', { as: user, retryOn429: false }),
      204,
    );
    expect(res.bytes.length).toBe(0);
    expect((await me(user)).is_verified).toBe(false);
  });
});

suite('password reset codes', () => {
  const forgot = (email: string) =>
    api.call('forgotPassword', { body: { email }, retryOn429: false });
  const verifyCode = (email: string, code = config.testCode) =>
    api.call('verifyResetCode', { body: { email, code }, retryOn429: false });

  it('forgot-password for a registered email answers 200 and makes the code usable', async () => {
    proves('s3.forgot.ok');
    const user = await newUser({ name: 'forgot-ok' });
    const res = expectStatus(await forgot(user.email), 200);
    expect(res.body?.reset_token).toBeUndefined();
    expect(echoedSecrets(res.text, [config.testCode])).toEqual([]);
    expectStatus(await verifyCode(user.email), 200);
  });

  it('forgot-password for an unknown email answers the same 200', async () => {
    proves('s3.forgot.unknown-email');
    const user = await newUser({ name: 'forgot-known' });
    const unknownEmail = `${freshUsername()}-nobody@example.test`;
    // §3 fixes the status whichever email was named; the body is the target's choice
    expectStatus(await forgot(user.email), 200);
    const unknown = expectStatus(await forgot(unknownEmail), 200);
    expect(unknown.body?.reset_token).toBeUndefined();
  });

  it('verify-reset-code after forgot-password answers 200 {reset_token}, which resets the password', async () => {
    proves('s3.reset-code.ok');
    const user = await newUser({ name: 'reset-code' });
    expectStatus(await forgot(user.email), 200);
    const res = expectStatus(await verifyCode(user.email), 200);
    expect(typeof res.body.reset_token).toBe('string');
    expect(res.body.reset_token.length).toBeGreaterThan(0);
    const newPassword = canaryPassword();
    expectStatus(
      await api.call('resetPassword', {
        body: { reset_token: res.body.reset_token, new_password: newPassword },
        retryOn429: false,
      }),
      200,
    );
    expectStatus(await login(user.username, newPassword), 200);
  });

  it('verify-reset-code with the right code but no forgot-password for that email → refused (4xx), no reset_token', async () => {
    proves('s3.reset-code.requires-forgot');
    const user = await newUser({ name: 'no-forgot' });
    const other = await newUser({ name: 'forgot-other' });
    // a forgot-password for another email does not open this one
    expectStatus(await forgot(other.email), 200);
    const res = await verifyCode(user.email);
    // §3: 200 {reset_token} ONLY within an hour of a forgot-password; the refusal's status is
    // not fixed (400 is "wrong code"), so any 4xx that carries no reset_token
    expect(res.status, failureText(res, `status ${res.status}`)).toBeGreaterThanOrEqual(400);
    expect(res.status, failureText(res, `status ${res.status}`)).toBeLessThan(500);
    expect(res.body?.reset_token).toBeUndefined();
    expect(echoedSecrets(res.text, [config.testCode])).toEqual([]);
  });
});
