/**
 * §1 wire conventions, one behaviour per test: the base path and trailing slashes, JSON in and
 * out, multipart uploads, media bytes and types, the `Token` scheme, ids, dates and instants,
 * the error body and its codes, no 5xx for hostile input, the body limits at their boundary,
 * and an invisible residence, task or user answered exactly as an absent one. Then, per
 * operation (the document lists it, valid traffic never shows it): a request body of another
 * content type than the operation's → 415 `unsupported_media_type`.
 */
import { describe, expect, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';
import { AUTH_SCHEME, authorization } from '../fixtures/harness/actors.ts';
import {
  api,
  expectDetail,
  expectError,
  expectStatus,
  failureText,
} from '../fixtures/harness/client/client.ts';
import type { ApiResponse, CallOptions } from '../fixtures/harness/client/client.ts';
import { mediaType } from '../fixtures/harness/client/checks.ts';
import { limits } from '../fixtures/harness/config.ts';
import {
  complete,
  newResidence,
  newTask,
  newUser,
  shareCode,
} from '../fixtures/harness/factories.ts';
import {
  OPERATIONS,
  OP_NAMES,
  basePath,
  describeOp,
  hasOp,
  itNeeds,
  loadedDoc,
  unservedPath,
} from '../fixtures/harness/document/operations.ts';
import { proves, provesIn } from '../fixtures/harness/rules.ts';
import { tagged } from '../fixtures/harness/run.ts';
import { JPEG, PDF, PNG, TEXT } from '../fixtures/harness/samples.ts';
import { imageUpload, shapeOf, signWebhook, usable } from '../fixtures/harness/scenario.ts';
import type { Scenario } from '../fixtures/harness/scenario.ts';
import { signatureHeaders } from '../fixtures/harness/webhook.ts';
import type { OpName } from '../fixtures/harness/document/operations.ts';
import { docOperations } from '../fixtures/harness/document/spec.ts';
import { requestBody } from '../fixtures/harness/document/schema-data.ts';

/** §1 body limits (configuration, like the windows). */
const JSON_LIMIT = limits.jsonBodyMaxBytes;
const AUTH_LIMIT = limits.authBodyMaxBytes;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

let s: Scenario;
test.beforeAll(({ scenario }) => {
  s = scenario; // this file's own scenario (a file fixture, frozen)
});

/** The charset parameter of a Content-Type, lower-cased and unquoted. */
function charsetOf(ct: string | undefined): string | undefined {
  const param = (ct ?? '')
    .split(';')
    .slice(1)
    .map((p) => p.trim().split('='))
    .find(([k]) => k?.trim().toLowerCase() === 'charset');
  return param?.[1]?.trim().replace(/^"|"$/g, '').toLowerCase();
}

/** A JSON text of exactly `size` bytes: `value` padded with insignificant whitespace. */
function paddedJson(value: unknown, size: number): string {
  const json = JSON.stringify(value);
  const bytes = Buffer.byteLength(json);
  if (bytes > size) throw new Error(`JSON of ${bytes} bytes does not fit in ${size}`);
  return json.slice(0, -1) + ' '.repeat(size - bytes) + json.slice(-1);
}

/** The instant `t` (ms) written in RFC 3339 with a fixed offset of `minutes` east of UTC. */
function withOffset(t: number, minutes: number): string {
  const local = new Date(t + minutes * 60_000).toISOString().slice(0, 19);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}

/** Id fields the contract names (§4, §5, §5.2, §7, §8). */
const CONTRACT_IDS = new Set([
  'id',
  'residence_id',
  'task_id',
  'user_id',
  'category_id',
  'priority_id',
  'frequency_id',
  'assigned_to_id',
  'created_by_id',
  'property_type_id',
]);

function isCalendarDate(d: string): boolean {
  if (!DATE.test(d)) return false;
  const t = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d;
}

describe('base path and trailing slashes (§1)', () => {
  it(`serves the API under the base path: ${describeOp('getStaticData')} answers 200, the same path without the base 404`, async () => {
    proves('s1.base-path');
    const base = basePath();
    expect(base, 'the operation map has a base path').not.toBe('');
    const path = api.path('getStaticData');
    const served = expectStatus(await api.raw('GET', path), 200);
    expect(Array.isArray(served.body.task_frequencies)).toBe(true);
    expectError(await api.raw('GET', path.slice(base.length)), 404, 'not_found');
    const outside = docOperations(loadedDoc())
      .map((o) => o.path)
      .filter((p) => !p.startsWith(`${base}/`));
    expect(outside, `documented paths outside ${base}/`).toEqual([]);
  });

  it(`ends every route with \`/\` and answers there: ${describeOp('listResidences')} answers 200`, async () => {
    proves('s1.trailing-slash');
    const documented = docOperations(loadedDoc()).map((o) => o.path);
    expect(documented.length).toBeGreaterThan(0);
    expect(
      documented.filter((p) => !p.endsWith('/')),
      'documented paths without a trailing /',
    ).toEqual([]);
    expect(Object.values(OPERATIONS).filter(([, p]) => !p.endsWith('/'))).toEqual([]);
    const res = expectStatus(await api.call('listResidences', { as: s.w.owner }), 200);
    expect(res.body.map((r: { id: number }) => r.id)).toContain(s.w.residence.id);
  });
});

describe('paths and methods the API does not serve (§1)', () => {
  // [method, what, a path the API does not serve]: derived from the operation map
  const unknown: [string, string, (s: Scenario) => string][] = [
    ['GET', 'a random segment under the base path', () => unservedPath()],
    [
      'POST',
      'an unknown action under a task',
      (s) => unservedPath(api.path('getTask', { id: s.task.id })),
    ],
    [
      'GET',
      'a segment past a residence user',
      (s) =>
        unservedPath(
          api.path('removeResidenceUser', { id: s.w.residence.id, user_id: s.w.member.id }),
        ),
    ],
    ['GET', 'a random path outside the base path', () => unservedPath('')],
  ];
  for (const [method, what, path] of unknown) {
    it(`${method} ${what} (a path the API does not serve) answers 404 not_found`, async () => {
      proves('s1.unknown-path', 's1.error.not-found');
      expectError(await api.raw(method, path(s), { as: s.w.owner }), 404, 'not_found');
    });
  }

  // [method the path does not serve, the operation whose path it is]
  const wrong: [string, OpName, (s: Scenario) => Record<string, number>][] = [
    ['PUT', 'listResidences', () => ({})],
    ['DELETE', 'getStaticData', () => ({})],
    ['GET', 'login', () => ({})],
    ['PUT', 'getTask', (s) => ({ id: s.task.id })],
    ['GET', 'cancelTask', (s) => ({ id: s.task.id })],
  ];
  for (const [method, op, params] of wrong) {
    it(`${method} on the path of ${describeOp(op)} (a known path, a method it does not serve) answers 405 method_not_allowed`, async () => {
      proves('s1.wrong-method', 's1.error.method-not-allowed');
      const res = await api.raw(method, api.path(op, params(s)), { as: s.w.owner });
      expectError(res, 405, 'method_not_allowed');
    });
  }
});

describe('JSON in and out, multipart uploads, media bytes (§1)', () => {
  it('answers JSON as application/json; charset=utf-8, for successes and errors alike', async () => {
    proves('s1.json-content-type');
    const answers = [
      expectStatus(
        await api.call('getResidence', { as: s.w.owner, path: { id: s.w.residence.id } }),
        200,
      ),
      expectStatus(await api.call('listResidences', { as: s.w.owner }), 200),
      expectError(
        await api.call('getTask', { as: s.w.owner, path: { id: Number.MAX_SAFE_INTEGER } }),
        404,
        'not_found',
      ),
      expectError(
        await api.call('createTask', { as: s.w.owner, body: { residence_id: s.w.residence.id } }),
        400,
        'validation_error',
      ),
    ];
    for (const res of answers) {
      const ct = res.headers['content-type'];
      expect(mediaType(ct), failureText(res, 'Content-Type')).toBe('application/json');
      expect(charsetOf(ct), failureText(res, 'charset')).toBe('utf-8');
    }
  });

  it('takes a JSON body sent as application/json; charset=utf-8 (201)', async () => {
    proves('s1.json-content-type');
    const title = tagged('json charset');
    const res = await api.call('createTask', {
      as: s.w.owner,
      rawBody: {
        content: JSON.stringify({ residence_id: s.w.residence.id, title }),
        contentType: 'application/json; charset=utf-8',
      },
    });
    expectStatus(res, 201);
    expect(res.body.title).toBe(title);
  });

  it('refuses the fields of a JSON operation sent as multipart (415)', async () => {
    proves('s1.json-content-type');
    const multi = await api.call('createTask', {
      as: s.w.owner,
      multipart: { fields: { residence_id: s.w.residence.id, title: tagged('multipart task') } },
    });
    expectError(multi, 415, 'unsupported_media_type');
  });

  it('takes uploads as multipart/form-data: a document and a completion image answer 201', async () => {
    proves('s1.uploads-multipart');
    const title = tagged('multipart manual');
    const doc = await api.call('createDocument', {
      as: s.w.owner,
      multipart: {
        fields: { residence_id: s.w.residence.id, title, document_type: 'manual' },
        files: { file: { content: PDF, filename: 'manual.pdf', contentType: 'application/pdf' } },
      },
    });
    expectStatus(doc, 201);
    expect(doc.body).toMatchObject({
      residence_id: s.w.residence.id,
      title,
      document_type: 'manual',
      size: PDF.length,
    });
    const image = await api.call('uploadCompletionImage', {
      as: s.w.owner,
      path: { id: s.completion.id },
      multipart: imageUpload(),
    });
    expectStatus(image, 201);
    expect(typeof image.body.image_url).toBe('string');
  });

  it('refuses a document upload sent as JSON (415)', async () => {
    proves('s1.uploads-multipart');
    const title = tagged('multipart manual');
    const asJson = await api.call('createDocument', {
      as: s.w.owner,
      body: {
        residence_id: s.w.residence.id,
        title,
        document_type: 'manual',
        file: PDF.toString('base64'),
      },
    });
    expectError(asJson, 415, 'unsupported_media_type');
  });

  const files: [string, Buffer, string][] = [
    ['a PDF', PDF, 'application/pdf'],
    ['a PNG', PNG, 'image/png'],
    ['a JPEG', JPEG, 'image/jpeg'],
    ['a plain text file', TEXT, 'text/plain'],
  ];
  for (const [what, content, type] of files) {
    it(`serves ${what} document's bytes with its content type ${type}`, async () => {
      proves('s1.media-content-type');
      const up = await api.call('createDocument', {
        as: s.w.owner,
        multipart: {
          fields: {
            residence_id: s.w.residence.id,
            title: tagged(`media ${type}`),
            document_type: 'other',
          },
          files: { file: { content, filename: 'file.bin', contentType: type } },
        },
      });
      expectStatus(up, 201);
      const res = expectStatus(
        await api.call('getDocumentFile', { as: s.w.owner, path: { id: up.body.id } }),
        200,
      );
      expect(mediaType(res.headers['content-type'])).toBe(type);
      expect(res.bytes.equals(content), 'the exact bytes stored').toBe(true);
    });
  }

  itNeeds('uploadCompletionImage', 'getCompletionImageFile')(
    "serves a completion image's bytes with its content type image/png",
    async () => {
      proves('s1.media-content-type');
      const res = expectStatus(
        await api.call('getCompletionImageFile', { as: s.w.owner, path: { id: s.image.id } }),
        200,
      );
      expect(mediaType(res.headers['content-type'])).toBe('image/png');
      expect(res.bytes.equals(PNG), 'the exact bytes stored').toBe(true);
    },
  );
});

describe('auth scheme (§1)', () => {
  it(`accepts a key as \`Authorization: ${AUTH_SCHEME} <key>\``, async () => {
    proves('s1.auth.token-scheme');
    const user = await newUser({ name: 'scheme' });
    const ok = expectStatus(await api.call('getMe', { token: authorization(user.token!) }), 200);
    expect(ok.body.id).toBe(user.id);
  });

  it('refuses a valid key under another scheme, or under none, with 401', async () => {
    proves('s1.auth.token-scheme');
    const user = await newUser({ name: 'scheme' });
    expectError(await api.call('getMe', { token: `Bearer ${user.token}` }), 401, 'unauthorized');
    expectError(await api.call('getMe', { token: String(user.token) }), 401, 'unauthorized');
  });
});

describe('ids, dates and instants (§1)', () => {
  it('gives every id (`id`, `*_id`) as a positive integer', async () => {
    proves('s1.ids-positive-integers');
    const user = await newUser({ name: 'ids' });
    const residence = await newResidence(user);
    const task = await newTask(user, residence, {
      assigned_to_id: user.id,
      category_id: Object.values(s.ids.task_categories)[0],
    });
    const completion = await complete(user, task);
    const bodies: [string, unknown][] = [
      ['me', expectStatus(await api.call('getMe', { as: user }), 200).body],
      ['residence', residence],
      [
        'task',
        expectStatus(await api.call('getTask', { as: user, path: { id: task.id } }), 200).body,
      ],
      ['completion', completion],
      [
        'users',
        expectStatus(
          await api.call('listResidenceUsers', { as: user, path: { id: residence.id } }),
          200,
        ).body,
      ],
      // the scenario's document and image exist only where the document lists uploads
      ...(hasOp('getDocument')
        ? [
            [
              'document',
              expectStatus(
                await api.call('getDocument', { as: s.w.owner, path: { id: s.document.id } }),
                200,
              ).body,
            ] as [string, unknown],
          ]
        : []),
      ...(hasOp('uploadCompletionImage') ? [['image', s.image] as [string, unknown]] : []),
      ['static data', s.ids.raw],
    ];
    const found: string[] = [];
    const bad: string[] = [];
    const walk = (v: unknown, where: string): void => {
      if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${where}[${i}]`));
      if (!v || typeof v !== 'object') return;
      for (const [k, x] of Object.entries(v)) {
        const at = `${where}.${k}`;
        // the ids the contract names; other `*_id` fields are the implementation's (§12)
        const isId = CONTRACT_IDS.has(k);
        if (isId && x !== null) {
          found.push(at);
          if (!(typeof x === 'number' && Number.isSafeInteger(x) && x >= 1))
            bad.push(`${at} = ${JSON.stringify(x)}`);
        } else walk(x, at);
      }
    };
    for (const [name, body] of bodies) walk(body, name);
    expect(bad, 'ids that are not positive integers').toEqual([]);
    for (const must of [
      'me.id',
      'residence.id',
      'task.id',
      'task.residence_id',
      'task.assigned_to_id',
      'task.created_by_id',
      'completion.id',
      'completion.task_id',
      ...(hasOp('getDocument') ? ['document.id'] : []),
      ...(hasOp('uploadCompletionImage') ? ['image.id'] : []),
    ]) {
      expect(found, `${must} was checked`).toContain(must);
    }
  });

  it('gives dates as YYYY-MM-DD calendar dates that no request timezone shifts', async () => {
    proves('s1.dates-format');
    const due = '2031-03-09';
    const created = await api.call('createTask', {
      as: s.w.owner,
      timezone: 'Pacific/Kiritimati', // UTC+14
      body: {
        residence_id: s.w.residence.id,
        title: tagged('date format'),
        due_date: due,
        frequency_id: s.ids.task_frequencies.weekly,
      },
    });
    expectStatus(created, 201);
    expect(created.body.due_date).toBe(due);
    const read = await api.call('getTask', {
      as: s.w.owner,
      timezone: 'Pacific/Pago_Pago',
      path: { id: created.body.id },
    }); // UTC−11
    expect(expectStatus(read, 200).body.due_date).toBe(due);
    await complete(s.w.owner, created.body);
    const after = expectStatus(
      await api.call('getTask', { as: s.w.owner, path: { id: created.body.id } }),
      200,
    ).body;
    expect(isCalendarDate(after.next_due_date), `next_due_date ${after.next_due_date}`).toBe(true);
    const board = expectStatus(
      await api.call('listTasks', { as: s.w.owner, query: { residence_id: s.w.residence.id } }),
      200,
    ).body;
    expect(isCalendarDate(board.today), `today ${board.today}`).toBe(true);
  });

  it('takes instants with an offset and emits them in UTC (`…Z`)', async () => {
    proves('s1.instants-utc');
    const t = Math.floor((Date.now() - 2 * 3_600_000) / 1000) * 1000; // whole seconds, 2 h ago
    const task = await newTask(s.w.owner, s.w.residence, { title: tagged('instants') });
    const res = await api.call('createCompletion', {
      as: s.w.owner,
      body: { task_id: task.id, completed_at: withOffset(t, 330) },
    });
    expectStatus(res, 201);
    expect(res.body.completed_at).toMatch(UTC_INSTANT);
    expect(Date.parse(res.body.completed_at)).toBe(t);
    // a completion's other instants are the implementation's (§12); any it shows are UTC
    if (res.body.created_at !== undefined) expect(res.body.created_at).toMatch(UTC_INSTANT);
    const read = expectStatus(
      await api.call('getTask', { as: s.w.owner, path: { id: task.id } }),
      200,
    ).body;
    for (const f of ['created_at', 'updated_at', 'last_completed_at'])
      expect(read[f], f).toMatch(UTC_INSTANT);
    expect(Date.parse(read.last_completed_at)).toBe(t);
    const code = await api.call('createShareCode', {
      as: s.w.owner,
      path: { id: s.w.residence.id },
    });
    expect(expectStatus(code, 201).body.expires_at).toMatch(UTC_INSTANT);
    // a fresh user (default preferences) with a task due in two days: reminders to preview
    const user = await newUser({ name: 'instants' });
    const due = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    await newTask(user, await newResidence(user), { due_date: due });
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const schedule = await api.call('getNotificationSchedule', {
      as: user,
      query: {
        from: withOffset(hour + 86_400_000, 120),
        to: withOffset(hour + 4 * 86_400_000, -300),
      },
    });
    const items = expectStatus(schedule, 200).body.items as { fire_at: string }[];
    expect(items.length, 'reminders over three days').toBeGreaterThan(0);
    for (const i of items) expect(i.fire_at).toMatch(UTC_INSTANT);
  });
});

describe('the error body and its codes (§1)', () => {
  /**
   * `{error, message, details?}`: details maps fields to lists of messages. Fields beyond these
   * are the implementation's (§12), so they are not refused.
   */
  function expectErrorBody(res: ApiResponse): void {
    expect(mediaType(res.headers['content-type']), failureText(res)).toBe('application/json');
    const b = res.body;
    expect(b, failureText(res)).toBeTypeOf('object');
    expect(b.error).toMatch(/^[a-z_]+$/);
    expect(typeof b.message === 'string', failureText(res, 'message')).toBe(true);
    if (b.details !== undefined) {
      expect(b.details).toBeTypeOf('object');
      for (const [field, msgs] of Object.entries(b.details)) {
        expect(
          Array.isArray(msgs) && msgs.length > 0 && msgs.every((m) => typeof m === 'string'),
          `details.${field}`,
        ).toBe(true);
      }
    }
  }

  const cases: [string, number, string, string[], (s: Scenario) => Promise<ApiResponse>][] = [
    [
      'a task without a title',
      400,
      'validation_error',
      ['s1.error.validation-error'],
      (s) => api.call('createTask', { as: s.w.owner, body: { residence_id: s.w.residence.id } }),
    ],
    [
      'no token',
      401,
      'unauthorized',
      ['s1.error.unauthorized'],
      () => api.call('listResidences', { as: null }),
    ],
    [
      'a member editing the residence',
      403,
      'forbidden',
      ['s1.error.forbidden'],
      (s) =>
        api.call('updateResidence', {
          as: s.w.member,
          path: { id: s.w.residence.id },
          body: { city: 'Nope' },
        }),
    ],
    [
      'an absent task',
      404,
      'not_found',
      ['s1.error.not-found'],
      (s) => api.call('getTask', { as: s.w.owner, path: { id: Number.MAX_SAFE_INTEGER } }),
    ],
    [
      'PUT on the residence list',
      405,
      'method_not_allowed',
      ['s1.error.method-not-allowed'],
      (s) => api.raw('PUT', api.path('listResidences'), { as: s.w.owner, body: {} }),
    ],
    [
      'the owner joining their own residence',
      409,
      'conflict',
      ['s1.error.conflict'],
      async (s) =>
        api.call('joinResidence', {
          as: s.w.owner,
          body: { code: await shareCode(s.w.residence, s.w.owner) },
        }),
    ],
    [
      'uncancel of an active task',
      409,
      'invalid_transition',
      ['s1.error.invalid-transition'],
      async (s) =>
        api.call('uncancelTask', {
          as: s.w.owner,
          path: { id: (await newTask(s.w.owner, s.w.residence)).id },
        }),
    ],
    [
      `a JSON body over ${JSON_LIMIT} bytes`,
      413,
      'payload_too_large',
      ['s1.error.payload-too-large'],
      (s) =>
        api.call('createTask', {
          as: s.w.owner,
          body: {
            residence_id: s.w.residence.id,
            title: tagged('big'),
            description: 'x'.repeat(JSON_LIMIT + 1),
          },
        }),
    ],
    [
      'a JSON operation sent text/plain',
      415,
      'unsupported_media_type',
      ['s1.error.unsupported-media-type'],
      (s) =>
        api.call('createTask', {
          as: s.w.owner,
          rawBody: { content: 'title=x', contentType: 'text/plain' },
        }),
    ],
    [
      'a resend-verification over its hourly limit',
      429,
      'rate_limited',
      ['s1.error.rate-limited'],
      async () => {
        const user = await newUser({ name: 'resend-429', verified: false });
        let last: ApiResponse | undefined;
        for (let i = 0; i <= limits.resendMax; i++)
          last = await api.call('resendVerification', { as: user, retryOn429: false });
        return last!;
      },
    ],
  ];
  describe.concurrent(
    'every 4xx answers {error, message, details?} with the code of its status',
    () => {
      for (const [what, status, code, rules, send] of cases) {
        it(`${what} answers ${status} with error "${code}"`, async (ctx) => {
          provesIn(ctx, 's1.error.body-shape', ...rules);
          const res = await send(s);
          expectError(res, status, code);
          expectErrorBody(res);
        });
      }
    },
  );

  // details.<field> is required only for names the caller cannot see (§1, §12)
  it('a 400 names a residence the caller cannot see in details: a task in a foreign residence → details.residence_id', async () => {
    proves('s1.error.validation-error', 's1.error.body-shape');
    const res = await api.call('createTask', {
      as: s.w.owner,
      body: { residence_id: s.w.foreign.id, title: tagged('foreign') },
    });
    expectDetail(res, 'residence_id');
    expectErrorBody(res);
  });
});

describe('no 5xx for hostile input (§1)', () => {
  const raw = (content: string | Buffer): Pick<CallOptions, 'rawBody'> => ({
    rawBody: { content, contentType: 'application/json' },
  });
  const nested = '['.repeat(5000) + ']'.repeat(5000);
  // [what, request, the statuses a correct API may answer]: odd text may be stored or refused
  const hostile: [string, (s: Scenario) => CallOptions, number[]][] = [
    ['truncated JSON', () => raw('{"title": '), [400]],
    ['a JSON array instead of an object', () => raw('[1,2,3]'), [400]],
    ['JSON null', () => raw('null'), [400]],
    ['arrays nested 5000 deep', () => raw(`{"residence_id": ${nested}}`), [400]],
    [
      'invalid UTF-8 bytes',
      (s) =>
        raw(
          Buffer.concat([
            Buffer.from(`{"residence_id":${s.w.residence.id},"title":"`),
            Buffer.from([0xff, 0xfe, 0xc3]),
            Buffer.from('"}'),
          ]),
        ),
      [201, 400],
    ],
    ['a residence_id of 1e400', () => raw('{"residence_id": 1e400, "title": "x"}'), [400]],
    [
      'a NUL character in the title',
      (s) => ({ body: { residence_id: s.w.residence.id, title: tagged('nul\u0000byte') } }),
      [201, 400],
    ],
    [
      'a lone surrogate in the title',
      (s) => ({ body: { residence_id: s.w.residence.id, title: tagged('lone\ud800') } }),
      [201, 400],
    ],
    [
      'a due_date of 2031-02-30',
      (s) => ({
        body: { residence_id: s.w.residence.id, title: tagged('feb 30'), due_date: '2031-02-30' },
      }),
      [400],
    ],
  ];
  describe.concurrent('createTask', () => {
    for (const [what, make, allowed] of hostile) {
      it(`with ${what} answers ${allowed.join(' or ')}, never a 5xx`, async (ctx) => {
        provesIn(ctx, 's1.no-5xx');
        const res = await api.call('createTask', { as: s.w.owner, ...make(s) });
        expect(res.status, failureText(res)).toBeLessThan(500);
        expectStatus(res, allowed);
        if (res.status === 400) expectError(res, 400, 'validation_error');
      });
    }
  });

  it('a path id of 99999999999999999999 answers 404, not a 5xx', async () => {
    proves('s1.no-5xx');
    expectError(
      await api.raw('GET', api.path('getTask', { id: '99999999999999999999' }), { as: s.w.owner }),
      404,
      'not_found',
    );
  });
});

describe('body limits at the boundary (§1)', () => {
  it(`takes a JSON body of exactly ${JSON_LIMIT} bytes (201) and refuses one byte more with 413`, async () => {
    proves('s1.limit.json-within', 's1.limit.json');
    const body = { residence_id: s.w.residence.id, title: tagged('exactly 1 MiB') };
    const at = paddedJson(body, JSON_LIMIT);
    expect(Buffer.byteLength(at)).toBe(JSON_LIMIT);
    const ok = await api.call('createTask', {
      as: s.w.owner,
      rawBody: { content: at, contentType: 'application/json' },
    });
    expectStatus(ok, 201);
    expect(ok.body.title).toBe(body.title);
    const over = await api.call('createTask', {
      as: s.w.owner,
      rawBody: {
        content: paddedJson({ ...body, title: tagged('1 MiB + 1') }, JSON_LIMIT + 1),
        contentType: 'application/json',
      },
    });
    expectError(over, 413, 'payload_too_large');
  });

  it(`takes an auth body of exactly ${AUTH_LIMIT} bytes (login 200) and refuses one byte more with 413`, async () => {
    proves('s1.limit.auth-within', 's1.limit.auth');
    const user = await newUser({ name: 'auth-8k' });
    const creds = { username: user.username, password: user.password };
    const ok = await api.call('login', {
      rawBody: { content: paddedJson(creds, AUTH_LIMIT), contentType: 'application/json' },
    });
    expectStatus(ok, 200);
    expect(ok.body.user.id).toBe(user.id);
    expect(typeof ok.body.token).toBe('string');
    const over = await api.call('login', {
      rawBody: { content: paddedJson(creds, AUTH_LIMIT + 1), contentType: 'application/json' },
      retryOn429: false,
    });
    expectError(over, 413, 'payload_too_large');
  });
});

describe('a residence, task or user the caller cannot see is answered as an absent one (§1)', () => {
  /** The error with every mention of `id` neutralised, for comparing two answers. */
  function neutral(res: ApiResponse, id: number) {
    const re = new RegExp(`\\b${id}\\b`, 'g');
    const details = Object.fromEntries(
      Object.entries((res.body.details ?? {}) as Record<string, string[]>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, v.map((m) => m.replace(re, '<id>'))]),
    );
    return {
      status: res.status,
      error: res.body.error,
      message: String(res.body.message).replace(re, '<id>'),
      details,
    };
  }

  async function deletedResidence(): Promise<number> {
    const r = await newResidence(s.w.owner);
    expectStatus(await api.call('deleteResidence', { as: s.w.owner, path: { id: r.id } }), 204);
    return r.id;
  }
  async function deletedTask(): Promise<number> {
    const t = await newTask(s.w.owner, s.w.residence);
    expectStatus(await api.call('deleteTask', { as: s.w.owner, path: { id: t.id } }), 204);
    return t.id;
  }
  async function foreignTask(): Promise<number> {
    return (await newTask(s.w.stranger, s.w.foreign)).id;
  }

  const cases: [
    string,
    string,
    () => Promise<[number, number]>,
    (id: number) => Promise<ApiResponse>,
  ][] = [
    [
      'a task body naming a residence',
      'residence_id',
      async () => [s.w.foreign.id, await deletedResidence()],
      (id) =>
        api.call('createTask', {
          as: s.w.owner,
          body: { residence_id: id, title: tagged('invisible') },
        }),
    ],
    [
      'a completion body naming a task',
      'task_id',
      async () => [await foreignTask(), await deletedTask()],
      (id) => api.call('createCompletion', { as: s.w.owner, body: { task_id: id } }),
    ],
    [
      'a task body assigning a user',
      'assigned_to_id',
      async () => [s.w.stranger.id, Number.MAX_SAFE_INTEGER],
      (id) =>
        api.call('createTask', {
          as: s.w.owner,
          body: { residence_id: s.w.residence.id, title: tagged('invisible'), assigned_to_id: id },
        }),
    ],
    [
      'a completion list query naming a task',
      'task_id',
      async () => [await foreignTask(), await deletedTask()],
      (id) => api.call('listCompletions', { as: s.w.owner, query: { task_id: id } }),
    ],
    [
      'a document list query naming a residence',
      'residence_id',
      async () => [s.w.foreign.id, await deletedResidence()],
      (id) => api.call('listDocuments', { as: s.w.owner, query: { residence_id: id } }),
    ],
  ];
  describe.concurrent('the invisible one and an absent one get the same 400', () => {
    for (const [what, field, ids, send] of cases) {
      it(`${what} the caller cannot see answers exactly as one that does not exist: 400 details.${field}`, async (ctx) => {
        provesIn(ctx, 's1.invisible.as-nonexistent');
        const [invisible, absent] = await ids();
        const a = expectDetail(await send(invisible), field);
        const b = expectDetail(await send(absent), field);
        expect(neutral(a, invisible)).toEqual(neutral(b, absent));
      });
    }
  });
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
            ? signatureHeaders(signWebhook(String(other.content)))
            : undefined,
        rawBody: other,
      });
      expectError(res, 415, 'unsupported_media_type');
    });
  }
});
