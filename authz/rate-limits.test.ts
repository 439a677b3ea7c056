/**
 * Abuse limits (§3, §10): brute-force login, forgot-password, verify-reset-code, verify-email
 * and resend-verification limits. The counts and windows come from the documented env vars
 * (fixtures/harness/config.ts: CASERA_LOGIN_MAX_FAILURES, …) – the same names and defaults as
 * the target. Every test uses a fresh user (limits are per account) and never retries a 429.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  api,
  expectError,
  expectStatus,
  failure,
  type ApiResponse,
} from '../fixtures/harness/client/client.ts';
import type { Actor } from '../fixtures/harness/actors.ts';
import { canaryPassword } from '../fixtures/harness/secrets/canary.ts';
import { config, limits } from '../fixtures/harness/config.ts';
import { newUser } from '../fixtures/harness/factories.ts';
import { recordSecretsForFinalScan } from '../fixtures/harness/secrets/log-leak-scan.ts';
import { echoedSecrets } from '../fixtures/harness/secrets/response-disclosure.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { registerSecret } from '../fixtures/harness/secrets/secrets.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...FACTORY_OPS.user,
  'forgotPassword',
  'getMe',
  'login',
  'resendVerification',
  'verifyResetCode',
);

afterAll(() => recordSecretsForFinalScan());

/** A 6-digit code that is not the target's test code. */
function wrongCode(n = 1): string {
  const c = String((Number(config.testCode) + 100_000 + n) % 1_000_000).padStart(6, '0');
  registerSecret(c, 'code');
  return c;
}

function fail(res: ApiResponse, message: string): never {
  throw failure(res, 'rate limit', message);
}

/** 429 rate_limited with a whole-seconds Retry-After within the window. */
function expectRateLimited(res: ApiResponse, windowSeconds: number, elapsedMs: number): void {
  expectError(res, 429, 'rate_limited');
  const ra = res.headers['retry-after'];
  if (ra === undefined || !/^\d+$/.test(ra))
    fail(res, `Retry-After must be whole seconds, got ${JSON.stringify(ra)}`);
  const seconds = Number(ra);
  // seconds until the oldest counted attempt leaves the window, rounded up (§10)
  const lowest = Math.floor(windowSeconds - elapsedMs / 1000) - 2;
  if (seconds > windowSeconds || seconds < Math.max(1, lowest)) {
    fail(
      res,
      `Retry-After ${seconds} is not the time left in the ${windowSeconds} s window (≈ ${windowSeconds - Math.round(elapsedMs / 1000)})`,
    );
  }
  expect(seconds).toBeGreaterThan(0);
}

const login = (username: string, password: string): Promise<ApiResponse> =>
  api.call('login', { body: { username, password }, retryOn429: false });

async function failLogins(
  user: Actor,
  n: number,
  by: (u: Actor) => string = (u) => u.username,
): Promise<void> {
  for (let i = 0; i < n; i += 1) {
    const wrong = canaryPassword();
    const res = await login(by(user), wrong);
    expectError(res, 401, 'unauthorized');
    expect(echoedSecrets(res.text, [wrong])).toEqual([]);
  }
}

suite('brute-force login', () => {
  it(`after ${limits.loginMaxFailures} failures a further attempt → 429 with Retry-After`, async () => {
    proves(
      's3.login.rate-limit',
      's1.error.rate-limited',
      's1.error.retry-after',
      's10.rate.retry-after',
    );
    const user = await newUser({ name: 'brute' });
    const t0 = Date.now();
    await failLogins(user, limits.loginMaxFailures);
    expectRateLimited(
      await login(user.username, canaryPassword()),
      limits.loginWindowSeconds,
      Date.now() - t0,
    );
  });

  it('once limited, even the right password is refused with 429', async () => {
    proves('s3.login.rate-limit-correct-password');
    const user = await newUser({ name: 'brute-right' });
    const t0 = Date.now();
    await failLogins(user, limits.loginMaxFailures);
    const res = await login(user.username, user.password);
    expectRateLimited(res, limits.loginWindowSeconds, Date.now() - t0);
    expect(res.body.token).toBeUndefined();
  });

  it('failures by username and by email count for the same account', async () => {
    proves('s3.login.rate-limit-by-email');
    const user = await newUser({ name: 'brute-email' });
    const t0 = Date.now();
    const half = Math.floor(limits.loginMaxFailures / 2);
    await failLogins(user, half, (u) => u.username);
    await failLogins(user, limits.loginMaxFailures - half, (u) => u.email);
    expectRateLimited(
      await login(user.email, user.password),
      limits.loginWindowSeconds,
      Date.now() - t0,
    );
    expectRateLimited(
      await login(user.username, user.password),
      limits.loginWindowSeconds,
      Date.now() - t0,
    );
  });

  it('a success does not reset the failure count', async () => {
    proves('s3.login.success-no-reset');
    const user = await newUser({ name: 'brute-success' });
    const t0 = Date.now();
    await failLogins(user, limits.loginMaxFailures - 1);
    expectStatus(await login(user.username, user.password), 200);
    await failLogins(user, 1);
    expectRateLimited(
      await login(user.username, user.password),
      limits.loginWindowSeconds,
      Date.now() - t0,
    );
  });

  it('the limit of one account does not limit another', async () => {
    proves('s3.login.rate-limit');
    const user = await newUser({ name: 'brute-a' });
    const other = await newUser({ name: 'brute-b' });
    await failLogins(user, limits.loginMaxFailures);
    expectError(await login(user.username, user.password), 429, 'rate_limited');
    expectStatus(await login(other.username, other.password), 200);
  });
});

suite('code and reset limits', () => {
  it(`verify-email: after ${limits.verifyMaxFailures} wrong codes → 429`, async () => {
    proves('s3.verify.rate-limit', 's3.verify.wrong-code');
    const user = await newUser({ name: 'verify-brute', verified: false });
    const t0 = Date.now();
    for (let i = 0; i < limits.verifyMaxFailures; i += 1) {
      const code = wrongCode(i);
      const res = await api.call('verifyEmail', { as: user, body: { code }, retryOn429: false });
      expectError(res, 400, 'validation_error');
      expect(echoedSecrets(res.text, [code])).toEqual([]);
    }
    const res = await api.call('verifyEmail', {
      as: user,
      body: { code: wrongCode(99) },
      retryOn429: false,
    });
    expectRateLimited(res, limits.verifyWindowSeconds, Date.now() - t0);
    const me = expectStatus(await api.call('getMe', { as: user }), 200).body;
    expect(me.is_verified).toBe(false);
  });

  it(`resend-verification: the ${limits.resendMax + 1}th within the window → 429`, async () => {
    proves('s3.resend.rate-limit');
    const user = await newUser({ name: 'resend', verified: false });
    const t0 = Date.now();
    for (let i = 0; i < limits.resendMax; i += 1) {
      expectStatus(await api.call('resendVerification', { as: user, retryOn429: false }), 204);
    }
    expectRateLimited(
      await api.call('resendVerification', { as: user, retryOn429: false }),
      limits.resendWindowSeconds,
      Date.now() - t0,
    );
  });

  it(`forgot-password: the ${limits.forgotMax + 1}th for one email within the window → 429`, async () => {
    proves('s3.forgot.rate-limit', 's3.forgot.rate-limit-per-email');
    const user = await newUser({ name: 'forgot' });
    const t0 = Date.now();
    for (let i = 0; i < limits.forgotMax; i += 1) {
      expectStatus(
        await api.call('forgotPassword', { body: { email: user.email }, retryOn429: false }),
        200,
      );
    }
    expectRateLimited(
      await api.call('forgotPassword', { body: { email: user.email }, retryOn429: false }),
      limits.forgotWindowSeconds,
      Date.now() - t0,
    );
    // the limit is per email: another address is not limited by these attempts
    const other = await newUser({ name: 'forgot-other' });
    expectStatus(
      await api.call('forgotPassword', { body: { email: other.email }, retryOn429: false }),
      200,
    );
  });

  it(`verify-reset-code: after ${limits.resetCodeMaxFailures} wrong codes → 429`, async () => {
    proves('s3.reset-code.rate-limit', 's3.reset-code.wrong-code');
    const user = await newUser({ name: 'reset-brute' });
    expectStatus(
      await api.call('forgotPassword', { body: { email: user.email }, retryOn429: false }),
      200,
    );
    const t0 = Date.now();
    for (let i = 0; i < limits.resetCodeMaxFailures; i += 1) {
      const code = wrongCode(i);
      const res = await api.call('verifyResetCode', {
        body: { email: user.email, code },
        retryOn429: false,
      });
      expectError(res, 400, 'validation_error');
      expect(echoedSecrets(res.text, [code])).toEqual([]);
    }
    const res = await api.call('verifyResetCode', {
      body: { email: user.email, code: wrongCode(99) },
      retryOn429: false,
    });
    expectRateLimited(res, limits.resetCodeWindowSeconds, Date.now() - t0);
    expect(res.body.reset_token).toBeUndefined();
  });
});
