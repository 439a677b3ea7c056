/**
 * §11: every line written while serving a request carries that request's id as `request_id`.
 *
 * contracts/request-correlation.test.ts looks at the lines that mention a request; a line the
 * target writes WITHOUT any request_id (e.g. a "request rejected" line written with the app
 * logger instead of the request logger) is invisible there. Here each probe sends one request
 * that makes the target log something besides its access line (oversized JSON and auth bodies,
 * a NUL character in a text field, malformed JSON, a wrong password, a bad webhook signature)
 * with a unique X-Request-ID, then reads the log lines written between the send and that
 * request's access line.
 *
 * The probe runs in a quiet phase (fixtures/harness/client/quiet.ts): no other request of the run is
 * in flight with the target while it is served, so a line without request_id in that window is
 * the probe's. Lines carrying another request's id (a request that finished just before may
 * still write its access line) are that request's and are left out. Every probe runs in every
 * run; only a run without a log source skips them, and says why.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, expectError, failure, type ApiResponse } from '../fixtures/harness/client/client.ts';
import type { Actor } from '../fixtures/harness/actors.ts';
import { canaryPassword } from '../fixtures/harness/secrets/canary.ts';
import { config } from '../fixtures/harness/config.ts';
import { newUser } from '../fixtures/harness/factories.ts';
import { recordSecretsForFinalScan } from '../fixtures/harness/secrets/log-leak-scan.ts';
import {
  ACCESS_LINE_TIMEOUT_MS,
  hasLogSource,
  isAccessLine,
  LOG_SKIP_REASON,
  logSource,
  readLogLines,
  requestIdOf,
  waitForLogLines,
  type LogLine,
} from '../fixtures/harness/secrets/logs.ts';
import { quietPhase } from '../fixtures/harness/client/quiet.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { runId } from '../fixtures/harness/run.ts';
import { registerSecret } from '../fixtures/harness/secrets/secrets.ts';
import { signatureHeaders, signWebhook } from '../fixtures/harness/webhook.ts';

const logsOn = hasLogSource();
if (!logsOn) console.log(`[casera] contracts/log-lines-carry-request-id: ${LOG_SKIP_REASON}`);

let user: Actor;
beforeAll(async () => {
  user = await newUser({ name: 'log-rid' });
});
afterAll(() => recordSecretsForFinalScan());

let seq = 0;
const freshId = (): string =>
  `lrid-${runId}.${process.pid}:${(seq += 1)}_${crypto.randomBytes(4).toString('hex')}`;

interface Kind {
  name: string;
  /** What the contract fixes about the answer (the request id is checked for every kind). */
  expectAnswer: (res: ApiResponse) => void;
  send: (headers: Record<string, string>) => Promise<ApiResponse>;
}

const errorOf =
  (status: number, code: string) =>
  (res: ApiResponse): void => {
    expectError(res, status, code);
  };

const KINDS: Kind[] = [
  {
    name: 'an oversized JSON body (> 1 MiB) → 413',
    expectAnswer: errorOf(413, 'payload_too_large'),
    send: (h) =>
      api.call('updateMe', {
        as: user,
        headers: h,
        body: { first_name: 'x'.repeat(1024 * 1024 + 16) },
        retryOn429: false,
      }),
  },
  {
    name: 'an oversized auth body (> 8 KiB) → 413',
    expectAnswer: errorOf(413, 'payload_too_large'),
    send: (h) =>
      api.call('login', {
        headers: h,
        body: {
          username: `nobody_${runId}_${seq}`,
          password: canaryPassword(),
          pad: 'x'.repeat(9000),
        },
        retryOn429: false,
      }),
  },
  {
    // §12: whether text fields accept control characters is the implementation's choice, so
    // only §11 is asserted: an answer (no 5xx) and the request id on every line
    name: 'a text field with a NUL character (accepted or refused, never a 5xx)',
    expectAnswer: (res) => {
      if (res.status >= 500) {
        throw failure(res, 'not_a_server_error', `a NUL in first_name answered ${res.status}`);
      }
      expect(res.status).toBeLessThan(500);
    },
    send: (h) =>
      api.call('updateMe', {
        as: user,
        headers: h,
        body: { first_name: 'nul\u0000inside' },
        retryOn429: false,
      }),
  },
  {
    name: 'a malformed JSON body → 400',
    expectAnswer: errorOf(400, 'validation_error'),
    send: (h) =>
      api.call('updateMe', {
        as: user,
        headers: h,
        rawBody: { content: '{"first_name": "unterminated', contentType: 'application/json' },
        retryOn429: false,
      }),
  },
  {
    name: 'a wrong password at login → 401',
    expectAnswer: errorOf(401, 'unauthorized'),
    // an unknown account per attempt, so retries never reach the login failure limit
    send: (h) =>
      api.call('login', {
        headers: h,
        body: { username: `nobody_${runId}_${seq}`, password: canaryPassword() },
        retryOn429: false,
      }),
  },
  {
    name: 'a bad webhook signature → 401',
    expectAnswer: errorOf(401, 'unauthorized'),
    send: (h) => {
      const raw = JSON.stringify({
        event_id: `evt_${runId}_lrid_${seq}`,
        type: 'subscription.renewed',
        user_id: user.id,
        expires_at: new Date(Date.now() + 86_400_000).toISOString(),
      });
      const sig = signWebhook(raw, `${config.webhookSecret}-wrong`);
      registerSecret(sig, 'signature');
      return api.call('subscriptionWebhook', {
        headers: { ...h, ...signatureHeaders(sig) },
        rawBody: { content: raw, contentType: 'application/json' },
        retryOn429: false,
      });
    },
  },
];

interface Probe {
  res: ApiResponse;
  id: string;
  /** The lines written from the send up to the probe's access line (inclusive), or null without one. */
  window: LogLine[] | null;
}

/**
 * One probe in a quiet phase: send with a fresh id, wait for its access line, answer the lines
 * the log gained from the send up to that access line.
 */
function probe(kind: Kind): Promise<Probe> {
  return quietPhase(async () => {
    const source = logSource();
    const id = freshId();
    const before = new Set(readLogLines(source).map((l) => l.raw));
    const res = await kind.send({ 'X-Request-ID': id });
    const isMine = (l: LogLine): boolean => requestIdOf(l) === id && isAccessLine(l);
    const lines = await waitForLogLines((ls) => ls.some(isMine), {
      source,
      timeoutMs: ACCESS_LINE_TIMEOUT_MS,
    });
    const end = lines.findIndex(isMine);
    if (end < 0) return { res, id, window: null };
    return { res, id, window: lines.slice(0, end + 1).filter((l) => !before.has(l.raw)) };
  });
}

const show = (lines: LogLine[]): string =>
  lines.map((l) => `    line ${l.n}: ${l.raw.slice(0, 300)}`).join('\n');

describe('every log line written while serving a request carries its request_id', () => {
  for (const kind of KINDS) {
    it(`${kind.name}: no line written while serving it lacks request_id`, async (ctx) => {
      proves('s11.logs.request-id');
      if (!logsOn) {
        // still check the answer, so the probe is not empty without a log source
        const id = freshId();
        const res = await kind.send({ 'X-Request-ID': id });
        kind.expectAnswer(res);
        expect(res.headers['x-request-id']).toBe(id);
        return ctx.skip(LOG_SKIP_REASON);
      }
      const p = await probe(kind);
      kind.expectAnswer(p.res);
      expect(p.res.headers['x-request-id']).toBe(p.id);
      const where = `log ${logSource()?.describe}; request_id ${p.id}`;
      if (p.window === null) {
        throw failure(
          p.res,
          's11.logs.request-id',
          `no access line (method, route, status) with request_id ${p.id} within ${ACCESS_LINE_TIMEOUT_MS / 1000} s (${where})`,
        );
      }
      // lines with another request's id belong to that request (one that finished just before
      // the phase may still log); a line with no id, written while only this request was
      // served, is this request's
      const pid = p.window.find((l) => requestIdOf(l) === p.id && isAccessLine(l))?.json?.pid;
      const stray = p.window.filter(
        (l) =>
          requestIdOf(l) === undefined &&
          (pid === undefined || l.json?.pid === undefined || l.json.pid === pid),
      );
      if (stray.length > 0) {
        throw failure(
          p.res,
          's11.logs.request-id',
          `lines written while serving request ${p.id} (the only request in flight) ` +
            `without request_id=${p.id} (${where}):\n${show(stray)}\nwindow:\n${show(p.window)}`,
        );
      }
      expect(stray).toEqual([]);
      expect(p.window.filter((l) => requestIdOf(l) === p.id).length).toBeGreaterThan(0);
    });
  }
});
