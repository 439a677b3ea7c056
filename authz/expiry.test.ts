/**
 * Time windows (§3, §4, §10): share codes expire, reset codes are good only within their TTL
 * after forgot-password, reset tokens work once and within their TTL, a login lockout lifts when
 * the window passes and the window slides, with an honest Retry-After.
 *
 * The default windows (24 h, 1 h, 15 min) cannot pass within a run, so these tests address the
 * short-window target (fixtures/harness/short-windows.ts: a second reference target booted with
 * windows of seconds, or CASERA_SHORT_WINDOWS_URL for an external target) and wait real seconds,
 * concurrently. Each test checks the behaviour before the window ends (so a target that expires
 * at once fails) and after window + 1 s (so one that never expires fails); a check that must
 * land inside a window but was answered too late to tell is measured again from fresh data
 * (judgeWindow), and the test fails as incomplete after three late measurements, never guessed. Instants
 * are the runner's send and receive times, so the target's clock is never trusted.
 */
import { afterAll, describe, test, type TestContext } from 'vitest';
import {
  api,
  expectError,
  expectStatus,
  failure,
  failureText,
  type ApiResponse,
} from '../fixtures/harness/client/client.ts';
import type { Actor } from '../fixtures/harness/actors.ts';
import { canaryPassword } from '../fixtures/harness/secrets/canary.ts';
import { config } from '../fixtures/harness/config.ts';
import { newResidence, newUser } from '../fixtures/harness/factories.ts';
import { recordSecretsForFinalScan } from '../fixtures/harness/secrets/log-leak-scan.ts';
import { provesIn } from '../fixtures/harness/rules.ts';
import {
  shortWindows,
  answeredBefore,
  judgeWindow,
  shortWindowsSkipReason,
  sleepUntil,
  timed,
} from '../fixtures/harness/short-windows.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...FACTORY_OPS.user,
  ...FACTORY_OPS.residence,
  'createShareCode',
  'forgotPassword',
  'joinResidence',
  'login',
  'resetPassword',
  'verifyResetCode',
);

afterAll(() => recordSecretsForFinalScan());

const target = 'short-windows' as const;
const short = shortWindows();
if (!short) console.log(`[casera] authz/expiry.test.ts: ${shortWindowsSkipReason()}`);

/** Where a within-the-TTL check lands: 40 % in, leaving room for a slow answer. */
const WITHIN = 0.4;

type Timed = Awaited<ReturnType<typeof timed<ApiResponse>>>;

/** The short-window target's windows, or a named skip. */
function windows(ctx: TestContext) {
  if (!short) return ctx.skip(shortWindowsSkipReason());
  return short.limits;
}

/** A refusal whose status the contract does not fix: any 4xx (never a 2xx, never a 5xx). */
function expectClientError(ctx: TestContext, res: ApiResponse): void {
  ctx.expect(res.status, failureText(res, `status ${res.status}`)).toBeGreaterThanOrEqual(400);
  ctx.expect(res.status, failureText(res, `status ${res.status}`)).toBeLessThan(500);
}

function fail(res: ApiResponse, message: string): never {
  throw failure(res, 'time window', message);
}

/**
 * §10: Retry-After is the whole seconds, rounded up, until the oldest counted attempt leaves the
 * window. The attempt reached the target within [oldest.sent, oldest.received] and the refusal
 * within [refusal.sent, refusal.received], which bounds the exact answer.
 */
function expectHonestRetryAfter(
  ctx: TestContext,
  refusal: Timed,
  oldest: Timed,
  windowSeconds: number,
): number {
  const res = refusal.res;
  expectError(res, 429, 'rate_limited');
  const ra = res.headers['retry-after'];
  if (ra === undefined || !/^\d+$/.test(ra)) {
    fail(res, `Retry-After must be whole seconds, got ${JSON.stringify(ra)}`);
  }
  const w = windowSeconds * 1000;
  const slackMs = 50; // millisecond clocks on both sides
  const lowest = Math.max(1, Math.ceil((oldest.sent + w - refusal.received - slackMs) / 1000));
  const highest = Math.ceil((oldest.received + w - refusal.sent + slackMs) / 1000);
  const seconds = Number(ra);
  if (seconds < lowest || seconds > highest) {
    fail(
      res,
      `Retry-After ${seconds} is not the whole seconds (rounded up) until the oldest counted attempt ` +
        `leaves the ${windowSeconds} s window: expected ${lowest === highest ? lowest : `${lowest}–${highest}`}`,
    );
  }
  ctx.expect(seconds).toBeGreaterThanOrEqual(lowest);
  ctx.expect(seconds).toBeLessThanOrEqual(highest);
  return seconds;
}

const login = (username: string, password: string): Promise<Timed> =>
  timed(() => api.call('login', { body: { username, password }, retryOn429: false, target }));

async function failLogin(user: Actor): Promise<Timed> {
  const t = await login(user.username, canaryPassword());
  expectError(t.res, 401, 'unauthorized');
  return t;
}

const forgot = (email: string): Promise<ApiResponse> =>
  api.call('forgotPassword', { body: { email }, retryOn429: false, target });
const verifyResetCode = (email: string): Promise<Timed> =>
  timed(() =>
    api.call('verifyResetCode', {
      body: { email, code: config.testCode },
      retryOn429: false,
      target,
    }),
  );
const resetPassword = (resetToken: string, newPassword: string): Promise<Timed> =>
  timed(() =>
    api.call('resetPassword', {
      body: { reset_token: resetToken, new_password: newPassword },
      retryOn429: false,
      target,
    }),
  );

function resetTokenOf(ctx: TestContext, t: Timed): string {
  expectStatus(t.res, 200);
  ctx.expect(typeof t.res.body.reset_token).toBe('string');
  ctx.expect(t.res.body.reset_token.length).toBeGreaterThan(0);
  return t.res.body.reset_token;
}

describe
  .skipIf(!suite.ok)
  .concurrent('§4 a share code is valid for its TTL, then join → 404', () => {
    test('a code joins within its TTL and answers 404 after it; expires_at says when', async (ctx) => {
      provesIn(ctx, 's4.share-code.ttl', 's4.join.expired-code');
      const { shareCodeTtlSeconds: ttl } = windows(ctx);
      await judgeWindow(
        'a code joins within its TTL and answers 404 after it; expires_at says when',
        async () => {
          const [owner, early, late] = await Promise.all([
            newUser({ name: 'owner', target }),
            newUser({ name: 'early', target }),
            newUser({ name: 'late', target }),
          ]);
          // two residences: the code joined within the TTL is not the one tried after it, so the
          // test does not assume a code can be used twice
          const [withinRes, afterRes] = await Promise.all([
            newResidence(owner, {}, { target }),
            newResidence(owner, {}, { target }),
          ]);
          const share = (id: number) =>
            timed(() => api.call('createShareCode', { as: owner, path: { id }, target }));
          const [within, after] = await Promise.all([share(withinRes.id), share(afterRes.id)]);
          for (const c of [within, after]) {
            expectStatus(c.res, 201);
            // expires_at = creation + TTL, judged by the target's own Date header when it sends one
            const expires = Date.parse(c.res.body.expires_at);
            const date = Date.parse(c.res.headers['date'] ?? '');
            const [from, to] = Number.isFinite(date) ? [date, date + 1000] : [c.sent, c.received];
            ctx.expect(expires).toBeGreaterThanOrEqual(from + ttl * 1000 - 1000);
            ctx.expect(expires).toBeLessThanOrEqual(to + ttl * 1000 + 1000);
          }
          const created = Math.min(within.sent, after.sent);

          // well inside the TTL: still valid
          await sleepUntil(created + ttl * 1000 * WITHIN);
          const join = (as: Actor, code: string) =>
            timed(() => api.call('joinResidence', { as, body: { code }, target }));
          const joined = await join(early, within.res.body.code);
          answeredBefore(joined, created + ttl * 1000, 'a join within the share code TTL');
          expectStatus(joined.res, 200);
          ctx.expect(joined.res.body.id).toBe(withinRes.id);

          // TTL + 1 s after the codes were answered: expired → 404, for both codes
          await sleepUntil(Math.max(within.received, after.received) + (ttl + 1) * 1000);
          expectError((await join(late, after.res.body.code)).res, 404, 'not_found');
          expectError((await join(late, within.res.body.code)).res, 404, 'not_found');
          // the code's age refused it, not the caller: a fresh code of that residence joins
          const fresh = await share(afterRes.id);
          expectStatus(fresh.res, 201);
          const ok = await join(late, fresh.res.body.code);
          expectStatus(ok.res, 200);
          ctx.expect(ok.res.body.id).toBe(afterRes.id);
        },
      );
    }, 120_000);
  });

describe.skipIf(!suite.ok).concurrent('§3 reset codes and reset tokens live for their TTL', () => {
  test('a reset code gives a reset token within its TTL after forgot-password, none after', async (ctx) => {
    provesIn(ctx, 's3.reset-code.ttl');
    const { resetCodeTtlSeconds: ttl } = windows(ctx);
    await judgeWindow(
      'a reset code gives a reset token within its TTL after forgot-password, none after',
      async () => {
        // one user per side: a verified code is not assumed to stay usable
        const [within, after] = await Promise.all([
          newUser({ name: 'reset-within', target }),
          newUser({ name: 'reset-after', target }),
        ]);
        const asked = await timed(() => Promise.all([forgot(within.email), forgot(after.email)]));
        for (const r of asked.res) expectStatus(r, 200);

        await sleepUntil(asked.sent + ttl * 1000 * WITHIN);
        const early = await verifyResetCode(within.email);
        answeredBefore(early, asked.sent + ttl * 1000, 'verify-reset-code within the TTL');
        resetTokenOf(ctx, early);

        await sleepUntil(asked.received + (ttl + 1) * 1000);
        const expired = await verifyResetCode(after.email);
        // §3: 200 {reset_token} only within the TTL; the refusal's status is not fixed (any 4xx)
        expectClientError(ctx, expired.res);
        ctx.expect(expired.res.body?.reset_token).toBeUndefined();
        // the code is right, only its age refused it: a new forgot-password makes it good again
        expectStatus(await forgot(after.email), 200);
        resetTokenOf(ctx, await verifyResetCode(after.email));
      },
    );
  }, 120_000);

  test('a reset token works once within its TTL and is refused after it', async (ctx) => {
    provesIn(ctx, 's3.reset.ttl', 's3.reset.once');
    const { resetTokenTtlSeconds: ttl } = windows(ctx);
    await judgeWindow(
      'a reset token works once within its TTL and is refused after it',
      async () => {
        const [within, after] = await Promise.all([
          newUser({ name: 'token-within', target }),
          newUser({ name: 'token-after', target }),
        ]);
        for (const r of await Promise.all([forgot(within.email), forgot(after.email)])) {
          expectStatus(r, 200);
        }
        const issued = await timed(() =>
          Promise.all([verifyResetCode(within.email), verifyResetCode(after.email)]),
        );
        const [withinToken, afterToken] = issued.res.map((t) => resetTokenOf(ctx, t));

        await sleepUntil(issued.sent + ttl * 1000 * WITHIN);
        const newPassword = canaryPassword();
        const used = await resetPassword(withinToken, newPassword);
        answeredBefore(used, issued.sent + ttl * 1000, 'reset-password within the TTL');
        expectStatus(used.res, 200);
        // once: the same token again is refused (any 4xx, §3), and the password set first stays
        expectClientError(ctx, (await resetPassword(withinToken, canaryPassword())).res);
        expectStatus((await login(within.username, newPassword)).res, 200);

        await sleepUntil(issued.received + (ttl + 1) * 1000);
        const expired = await resetPassword(afterToken, canaryPassword());
        expectClientError(ctx, expired.res);
        // nothing changed: the old password still logs in
        const still = await login(after.username, after.password);
        expectStatus(still.res, 200);
        ctx.expect(typeof still.res.body.token).toBe('string');
      },
    );
  }, 120_000);
});

describe
  .skipIf(!suite.ok)
  .concurrent('§3/§10 login lockout: lifts when the window passes, and the window slides', () => {
    test('locked after the failures until the window passes; Retry-After honest', async (ctx) => {
      provesIn(ctx, 's3.login.rate-limit-window', 's10.rate.retry-after', 's1.error.retry-after');
      const { loginMaxFailures: max, loginWindowSeconds: w } = windows(ctx);
      await judgeWindow(
        'locked after the failures until the window passes; Retry-After honest',
        async () => {
          const user = await newUser({ name: 'lockout', target }); // fresh: limits are per account
          const failures: Timed[] = [];
          for (let i = 0; i < max; i += 1) failures.push(await failLogin(user));
          const first = failures[0];
          const last = failures[max - 1];

          const refused = await login(user.username, user.password);
          expectHonestRetryAfter(ctx, refused, first, w);
          ctx.expect(refused.res.body.token).toBeUndefined();

          // well inside what is left of the window (the failures may have taken a while on a busy
          // machine): still locked, even with the right password
          await sleepUntil(
            last.received + Math.max(0, first.sent + w * 1000 - last.received) * 0.4,
          );
          const still = await login(user.username, user.password);
          answeredBefore(still, first.sent + w * 1000, 'a login within the window');
          expectHonestRetryAfter(ctx, still, first, w);

          // window + 1 s after the last failure: the lockout has lifted
          await sleepUntil(last.received + (w + 1) * 1000);
          const after = await login(user.username, user.password);
          expectStatus(after.res, 200);
          ctx.expect(typeof after.res.body.token).toBe('string');
        },
      );
    }, 150_000);

    test('sliding: when the oldest failure leaves the window one attempt is free again', async (ctx) => {
      provesIn(ctx, 's10.rate.sliding', 's10.rate.retry-after');
      const { loginMaxFailures: max, loginWindowSeconds: w } = windows(ctx);
      if (max < 2) return ctx.skip('a sliding window needs CASERA_SHORT_LOGIN_MAX_FAILURES ≥ 2');
      await judgeWindow(
        'sliding: when the oldest failure leaves the window one attempt is free again',
        async () => {
          const user = await newUser({ name: 'sliding', target });
          // one failure, then the rest half a window later
          const oldest = await failLogin(user);
          await sleepUntil(oldest.sent + (w * 1000) / 2);
          const rest: Timed[] = [];
          for (let i = 1; i < max; i += 1) rest.push(await failLogin(user));
          const second = rest[0];

          // limited, and told to come back when the OLDEST failure leaves – not a whole window later
          const refused = await login(user.username, user.password);
          answeredBefore(refused, oldest.sent + w * 1000, 'the refusal within the window');
          const retryAfter = expectHonestRetryAfter(ctx, refused, oldest, w);
          ctx.expect(retryAfter).toBeLessThan(w);

          // after Retry-After (and window + 1 s after the oldest failure) the oldest has left, the
          // others still count: one more failure is judged (401), the next attempt is refused again
          await sleepUntil(
            Math.max(refused.received + retryAfter * 1000, oldest.received + w * 1000) + 1000,
          );
          const freed = await failLogin(user);
          answeredBefore(freed, second.sent + w * 1000, 'the freed attempt');
          ctx.expect(freed.res.status).toBe(401);
          const again = await login(user.username, user.password);
          answeredBefore(again, second.sent + w * 1000, 'the second refusal');
          expectHonestRetryAfter(ctx, again, second, w);
        },
      );
    }, 150_000);
  });
