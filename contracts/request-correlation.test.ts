/**
 * Request correlation (§11): every response carries X-Request-ID – the caller's own value when
 * it is 1–128 characters `[A-Za-z0-9._:-]`, else a fresh one (an invalid value is replaced,
 * never an error). With a log source, every log line of a request carries its id as
 * `request_id`, and one line of it records its method, route, status and duration. §11 fixes
 * what that line records, not its keys or layout (§12): the line is found by value – the
 * request's method, its path or route, its status and a duration, anywhere in the object.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  expectStatus,
  failure,
  failureText,
  type ApiResponse,
} from '../fixtures/harness/client/client.ts';
import type { Actor } from '../fixtures/harness/actors.ts';
import { newResidence, newTask, newUser } from '../fixtures/harness/factories.ts';
import { limits } from '../fixtures/harness/config.ts';
import {
  hasLogSource,
  isAccessLineOf,
  linesForRequest,
  LOG_SKIP_REASON,
  logSource,
  readLogLines,
  requestIdOf,
  type AccessOf,
  type LogLine,
} from '../fixtures/harness/secrets/logs.ts';
import { recordSecretsForFinalScan } from '../fixtures/harness/secrets/log-leak-scan.ts';
import {
  loadedDoc,
  normaliseTemplate,
  unservedPath,
} from '../fixtures/harness/document/operations.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { runId, tagged } from '../fixtures/harness/run.ts';
import { docOperations } from '../fixtures/harness/document/spec.ts';

const VALID = /^[A-Za-z0-9._:-]{1,128}$/;
const logsOn = hasLogSource();
if (!logsOn) console.log(`[casera] contracts/request-correlation: ${LOG_SKIP_REASON}`);

let user: Actor;
let residenceId: number;
afterAll(() => recordSecretsForFinalScan());
beforeAll(async () => {
  user = await newUser({ name: 'correlation' });
  residenceId = (await newResidence(user)).id;
});

function failWith(res: ApiResponse, message: string): never {
  throw failure(res, 'request correlation', message);
}

let seq = 0;
const rid = (): string =>
  `corr-${runId}.${process.pid}:${(seq += 1)}_${crypto.randomBytes(3).toString('hex')}`;

/** A request of each kind of answer: 2xx, 201, 204, 400, 401, 404 (known and unknown path), 405, 413. */
const KINDS: {
  name: string;
  send: (headers: Record<string, string>, marker: string) => Promise<ApiResponse>;
  status: number;
}[] = [
  {
    name: 'a public 200',
    status: 200,
    send: (h, m) => api.call('getStaticData', { headers: h, query: { probe: m } }),
  },
  {
    name: 'an authenticated 201',
    status: 201,
    send: (h, m) =>
      api.call('createTask', {
        as: user,
        headers: h,
        query: { probe: m },
        body: { residence_id: residenceId, title: tagged('correlated') },
      }),
  },
  {
    name: 'a 204',
    status: 204,
    send: async (h, m) => {
      const task = await newTask(user, residenceId, { title: tagged('to delete') });
      return api.call('deleteTask', {
        as: user,
        headers: h,
        query: { probe: m },
        path: { id: task.id },
      });
    },
  },
  {
    name: 'a 400',
    status: 400,
    send: (h, m) =>
      api.call('createTask', {
        as: user,
        headers: h,
        query: { probe: m },
        body: { residence_id: residenceId, title: '' },
      }),
  },
  {
    name: 'a 401',
    status: 401,
    send: (h, m) => api.call('getMe', { headers: h, query: { probe: m } }),
  },
  {
    name: 'a 404 by id',
    status: 404,
    send: (h, m) =>
      api.call('getTask', {
        as: user,
        headers: h,
        query: { probe: m },
        path: { id: 9_007_199_254_740_990 },
      }),
  },
  {
    name: 'a 404 unknown path',
    status: 404,
    send: (h, m) => api.raw('GET', unservedPath(), { as: user, headers: h, query: { probe: m } }),
  },
  {
    name: 'a 405',
    status: 405,
    send: (h, m) =>
      api.raw('DELETE', api.path('getStaticData'), { headers: h, query: { probe: m } }),
  },
  {
    name: 'a 413',
    status: 413,
    send: (h, m) =>
      api.call('updateMe', {
        as: user,
        headers: h,
        query: { probe: m },
        body: { first_name: 'x'.repeat(limits.jsonBodyMaxBytes + 16) },
      }),
  },
];

describe('X-Request-ID on every response', () => {
  for (const k of KINDS) {
    it(`${k.name} carries a valid X-Request-ID`, async () => {
      proves('s11.request-id.present', 's11.request-id.generated');
      const res = await k.send({}, `m${seq}`);
      expectStatus(res, k.status);
      const id = res.headers['x-request-id'];
      if (id === undefined || !VALID.test(id))
        failWith(res, `X-Request-ID ${JSON.stringify(id)} is missing or not 1–128 [A-Za-z0-9._:-]`);
      expect(id).toMatch(VALID);
    });
  }

  it('a valid id sent comes back unchanged (1, 128 characters, every allowed character)', async () => {
    proves('s11.request-id.echo');
    const ids = ['a', 'Z'.repeat(128), `A-z.0_9:${runId}`, '0', crypto.randomUUID(), `${rid()}`];
    for (const sentId of ids) {
      const res = await api.call('getMe', { as: user, headers: { 'X-Request-ID': sentId } });
      expectStatus(res, 200);
      if (res.headers['x-request-id'] !== sentId)
        failWith(res, `sent X-Request-ID ${sentId}, got ${res.headers['x-request-id']}`);
      expect(res.headers['x-request-id']).toBe(sentId);
    }
  });

  it('a valid id comes back unchanged on an error answer too', async () => {
    proves('s11.request-id.echo');
    const sentId = rid();
    const res = await api.call('getTask', {
      as: user,
      path: { id: 9_007_199_254_740_990 },
      headers: { 'X-Request-ID': sentId },
    });
    expectStatus(res, 404);
    expect(res.headers['x-request-id']).toBe(sentId);
  });

  it('an invalid id is replaced by a fresh valid one, never an error', async () => {
    proves('s11.request-id.invalid-replaced', 's11.request-id.generated');
    const invalid = [
      'x'.repeat(129),
      'has space',
      'slash/inside',
      'semi;colon',
      'quote"d',
      'brace{}',
      'plus+sign',
      'comma,sep',
    ];
    for (const sentId of invalid) {
      const res = await api.call('getMe', { as: user, headers: { 'X-Request-ID': sentId } });
      expectStatus(res, 200);
      const got = res.headers['x-request-id'];
      if (got === sentId || got === undefined || !VALID.test(got)) {
        failWith(
          res,
          `sent invalid X-Request-ID ${JSON.stringify(sentId)}, got ${JSON.stringify(got)}`,
        );
      }
      expect(got).not.toBe(sentId);
    }
  });

  it('requests without an id get distinct ids', async () => {
    proves('s11.request-id.generated');
    const ids = new Set<string>();
    for (let i = 0; i < 5; i += 1) {
      ids.add(expectStatus(await api.call('getStaticData'), 200).headers['x-request-id']);
    }
    expect(ids.size).toBe(5);
  });
});

/** The documented templates a concrete path fits: the routes an access line may name. */
function acceptableRoutes(path: string): string[] {
  return docOperations(loadedDoc())
    .filter((o) =>
      new RegExp(
        `^${normaliseTemplate(o.path)
          .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
          .replace(/\{\}/g, '[^/]+')}$`,
      ).test(path),
    )
    .map((o) => o.path);
}

/** What the access line of the request behind `res` must record (§11). */
function accessOf(res: ApiResponse): AccessOf {
  const path = new URL(res.curl.match(/'(https?:[^']+)'$/)?.[1] ?? 'http://x/').pathname;
  const method = (res.curl.match(/-X (\w+)/)?.[1] ?? 'GET').toUpperCase();
  return { method, path, status: res.status, routes: acceptableRoutes(path) };
}

function describeLines(lines: LogLine[]): string {
  return lines.map((l) => `    line ${l.n}: ${l.raw.slice(0, 300)}`).join('\n');
}

describe('log lines of a request', () => {
  for (const k of KINDS) {
    it(`${k.name}: every line carries its request_id, one line records method, route, status, duration`, async (ctx) => {
      proves('s11.logs.request-id', 's11.logs.access-line', 's11.logs.json-lines');
      const id = rid();
      const marker = `mk${crypto.randomBytes(6).toString('hex')}`;
      const res = await k.send({ 'X-Request-ID': id }, marker);
      expectStatus(res, k.status);
      expect(res.headers['x-request-id']).toBe(id);
      if (!logsOn) return ctx.skip(LOG_SKIP_REASON);

      const want = accessOf(res);
      const mine = await linesForRequest(id, { access: want });
      const all = readLogLines();
      const related = all.filter((l) => l.raw.includes(marker) || l.raw.includes(id));
      const where = `log ${logSource()?.describe}`;
      // every line mentioning this request (its id or the marker in its URL) is JSON and carries its id
      const stray = related.filter((l) => l.json === null || requestIdOf(l) !== id);
      expect(
        stray,
        `lines of request ${id} without request_id=${id} (${where}):\n${describeLines(stray)}\n${failureText(res)}`,
      ).toEqual([]);
      expect(
        mine.length,
        `no log line carries request_id ${id} (${where})\n${failureText(res)}`,
      ).toBeGreaterThan(0);

      const access = mine.filter((l) => isAccessLineOf(l, want));
      expect(
        access.length,
        `no line of ${id} records ${want.method}, ${want.path} (or its route), status ` +
          `${want.status} and a duration (${where}):\n${describeLines(mine)}`,
      ).toBeGreaterThan(0);
    });
  }

  it('lines of concurrent requests carry their own ids', async (ctx) => {
    proves('s11.logs.request-id');
    const ids = Array.from({ length: 6 }, () => rid());
    const responses = await Promise.all(
      ids.map((id) => api.call('getMe', { as: user, headers: { 'X-Request-ID': id } })),
    );
    responses.forEach((r, i) => expect(r.headers['x-request-id']).toBe(ids[i]));
    if (!logsOn) return ctx.skip(LOG_SKIP_REASON);
    for (const [i, id] of ids.entries()) {
      const want = accessOf(responses[i]);
      const access = (await linesForRequest(id, { access: want })).filter((l) =>
        isAccessLineOf(l, want),
      );
      expect(access.length, `access lines of ${id}`).toBeGreaterThan(0);
    }
  });
});
