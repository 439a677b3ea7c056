/**
 * Abuse by payload (§1, §4, §7): oversized JSON, auth and upload bodies → 413; a file of a
 * kind the API does not take, or a declared type that disagrees → 415; nothing is stored;
 * no error body echoes a secret it was sent; an unverified user cannot create a residence.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anonymous,
  api,
  expectError,
  expectStatus,
  failureText,
  type ApiResponse,
} from '../fixtures/harness/client/client.ts';
import { authorization } from '../fixtures/harness/actors.ts';
import { canaryPassword, canaryToken } from '../fixtures/harness/secrets/canary.ts';
import { config, limits } from '../fixtures/harness/config.ts';
import { signatureHeaders, signatureOfHex } from '../fixtures/harness/webhook.ts';
import {
  complete,
  newResidence,
  newTask,
  newUser,
  onceFrequencyId,
  world,
  type World,
} from '../fixtures/harness/factories.ts';
import { recordSecretsForFinalScan } from '../fixtures/harness/secrets/log-leak-scan.ts';
import { echoedSecrets } from '../fixtures/harness/secrets/response-disclosure.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { runId, tagged } from '../fixtures/harness/run.ts';
import { registerSecret } from '../fixtures/harness/secrets/secrets.ts';
import { itNeeds, requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS, WORLD_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...WORLD_OPS,
  ...FACTORY_OPS.task,
  ...FACTORY_OPS.completion,
  'getMe',
  'listResidences',
  'listTasks',
  'login',
  'resetPassword',
);
/** Tests that also need subscriptionWebhook: skipped by name (printed) without them. */
const webhookIt = itNeeds('subscriptionWebhook');
/** Tests that also need uploadCompletionImage, getCompletion: skipped by name (printed) without them. */
const imagesIt = itNeeds('uploadCompletionImage', 'getCompletion');
/** Tests that also need createDocument, listDocuments: skipped by name (printed) without them. */
const docsIt = itNeeds('createDocument', 'listDocuments');

/** §1 body limits, from the configuration (fixtures/harness/config.ts) like the windows. */
const JSON_LIMIT = limits.jsonBodyMaxBytes;
const AUTH_LIMIT = limits.authBodyMaxBytes;
const UPLOAD_LIMIT = limits.uploadMaxBytes;
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const PDF = Buffer.from(`%PDF-1.4\n% ${runId} limits\ntrailer<<>>\n%%EOF\n`);
const GIF = Buffer.concat([
  Buffer.from('GIF89a'),
  Buffer.from([1, 0, 1, 0, 0, 0, 0]),
  Buffer.from(';'),
]);
const ZIP = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), crypto.randomBytes(60)]);
const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), crypto.randomBytes(60)]);

let w: World;
/** Static data's `once` frequency: task bodies name it (the contract states no default). */
let once: number;
beforeAll(async () => {
  if (!suite.ok) return;
  w = await world();
  once = await onceFrequencyId();
});
afterAll(() => recordSecretsForFinalScan());

function noEcho(res: ApiResponse, ...secrets: string[]): void {
  expect(echoedSecrets(res.text, secrets), 'the error body echoes a secret it was sent').toEqual(
    [],
  );
}

/**
 * No image on the completion, where the target's answer lists its images: §7 defines no such
 * field, so against a target without one the refusal's status is the whole check.
 */
function expectNoImagesListed(completion: Record<string, unknown>): void {
  if (Array.isArray(completion.images)) expect(completion.images).toEqual([]);
}

async function documentIds(): Promise<number[]> {
  const page = expectStatus(
    await api.call('listDocuments', {
      as: w.owner,
      query: { residence_id: w.residence.id, page_size: 100 },
    }),
    200,
  ).body;
  return page.results.map((d: { id: number }) => d.id);
}

async function kanbanCount(): Promise<number> {
  const board = expectStatus(
    await api.call('listTasks', { as: w.owner, query: { residence_id: w.residence.id } }),
    200,
  ).body;
  return board.columns.reduce((n: number, c: { count: number }) => n + c.count, 0);
}

function upload(
  fields: Record<string, string | number>,
  file: Buffer,
  contentType: string,
  filename = `f-${runId}.bin`,
) {
  return api.call('createDocument', {
    as: w.owner,
    multipart: {
      fields: {
        residence_id: w.residence.id,
        title: tagged('limits doc'),
        document_type: 'other',
        ...fields,
      },
      files: { file: { content: file, filename, contentType } },
    },
  });
}

suite('oversized bodies → 413, nothing stored', () => {
  it('a JSON body over 1 MiB → 413 payload_too_large and no task is stored', async () => {
    proves('s1.limit.json', 's1.error.payload-too-large');
    const before = await kanbanCount();
    const res = await api.call('createTask', {
      as: w.owner,
      body: {
        residence_id: w.residence.id,
        title: tagged('huge'),
        frequency_id: once,
        description: 'x'.repeat(JSON_LIMIT + 1024),
      },
    });
    expectError(res, 413, 'payload_too_large');
    expect(await kanbanCount()).toBe(before);
  });

  it('a login body over 8 KiB carrying a password → 413, the password not echoed', async () => {
    proves('s1.limit.auth', 's1.no-echo.password');
    const user = await newUser({ name: 'big-login' });
    const res = await api.call('login', {
      body: { username: user.username, password: user.password + 'p'.repeat(AUTH_LIMIT + 1024) },
      retryOn429: false,
    });
    expectError(res, 413, 'payload_too_large');
    noEcho(res, user.password);
  });

  it('a register body over 8 KiB → 413 and no account is created', async () => {
    proves('s1.limit.auth');
    const username = `ct_${runId}_big${crypto.randomBytes(2).toString('hex')}`;
    const password = canaryPassword();
    const res = await api.call('register', {
      body: {
        username,
        email: `${username}@example.test`,
        password,
        first_name: 'f'.repeat(AUTH_LIMIT + 1024),
      },
      retryOn429: false,
    });
    expectError(res, 413, 'payload_too_large');
    noEcho(res, password);
    expectError(
      await api.call('login', { body: { username, password }, retryOn429: false }),
      401,
      'unauthorized',
    );
  });

  docsIt(
    'a document one byte over the upload limit (10 MiB + 1) → 413 and nothing stored',
    async () => {
      proves('s1.limit.upload', 's7.upload.too-large');
      const before = await documentIds();
      const big = Buffer.concat([PDF, Buffer.alloc(UPLOAD_LIMIT + 1 - PDF.length, 0x20)]);
      const res = await upload({}, big, 'application/pdf', `big-${runId}.pdf`);
      expectError(res, 413, 'payload_too_large');
      expect(await documentIds()).toEqual(before);
    },
  );

  imagesIt('a completion image over 10 MiB → 413 and no image stored', async () => {
    proves('s1.limit.upload');
    const c = await complete(
      w.owner,
      await newTask(w.owner, w.residence, { title: tagged('big image') }),
    );
    const big = Buffer.concat([PNG, Buffer.alloc(UPLOAD_LIMIT + 1 - PNG.length, 0)]);
    const res = await api.call('uploadCompletionImage', {
      as: w.owner,
      path: { id: c.id },
      multipart: {
        files: { image: { content: big, filename: `big-${runId}.png`, contentType: 'image/png' } },
      },
    });
    expectError(res, 413, 'payload_too_large');
    const after = expectStatus(
      await api.call('getCompletion', { as: w.owner, path: { id: c.id } }),
      200,
    ).body;
    expectNoImagesListed(after);
  });
});

suite('wrong upload types → 415, nothing stored', () => {
  const cases: [string, Buffer, string][] = [
    ['a GIF', GIF, 'image/gif'],
    ['a ZIP declared application/octet-stream', ZIP, 'application/octet-stream'],
    ['an ELF binary declared application/pdf', ELF, 'application/pdf'],
    ['PDF bytes declared image/png', PDF, 'image/png'],
  ];
  for (const [what, bytes, type] of cases) {
    docsIt(`a document that is ${what} → 415 unsupported_media_type, nothing stored`, async () => {
      proves(
        type === 'image/png' ? 's7.upload.declared-mismatch' : 's7.upload.other-type',
        's1.error.unsupported-media-type',
      );
      const before = await documentIds();
      expectError(await upload({}, bytes, type), 415, 'unsupported_media_type');
      expect(await documentIds()).toEqual(before);
    });
  }

  imagesIt('a completion image that is a PDF → 415, no image stored', async () => {
    proves('s7.image.png-jpeg-only');
    const c = await complete(
      w.owner,
      await newTask(w.owner, w.residence, { title: tagged('pdf image') }),
    );
    const res = await api.call('uploadCompletionImage', {
      as: w.owner,
      path: { id: c.id },
      multipart: {
        files: {
          image: { content: PDF, filename: `x-${runId}.pdf`, contentType: 'application/pdf' },
        },
      },
    });
    expectError(res, 415, 'unsupported_media_type');
    const after = expectStatus(
      await api.call('getCompletion', { as: w.owner, path: { id: c.id } }),
      200,
    ).body;
    expectNoImagesListed(after);
  });

  it('a JSON operation sent as text/plain → 415 and nothing stored', async () => {
    proves('s1.content-type-415');
    const before = await kanbanCount();
    const res = await api.call('createTask', {
      as: w.owner,
      rawBody: {
        content: JSON.stringify({
          residence_id: w.residence.id,
          title: tagged('as text'),
          frequency_id: once,
        }),
        contentType: 'text/plain',
      },
    });
    expectError(res, 415, 'unsupported_media_type');
    expect(await kanbanCount()).toBe(before);
  });
});

suite('no error body echoes a secret it was sent', () => {
  it('a wrong password is not echoed by the 401', async () => {
    proves('s1.no-echo.password');
    const user = await newUser({ name: 'echo-pw' });
    const wrong = canaryPassword();
    const res = await api.call('login', {
      body: { username: user.username, password: wrong },
      retryOn429: false,
    });
    expectError(res, 401, 'unauthorized');
    noEcho(res, wrong);
  });

  it('a too-short password is not echoed by the 400', async () => {
    proves('s1.no-echo.password', 's3.register.password-min');
    const short = `S${crypto.randomBytes(3).toString('hex')}`; // 7 chars
    registerSecret(short, 'password');
    const username = `ct_${runId}_sh${crypto.randomBytes(2).toString('hex')}`;
    const res = await api.call('register', {
      body: { username, email: `${username}@example.test`, password: short },
      retryOn429: false,
    });
    expectError(res, 400, 'validation_error');
    noEcho(res, short);
  });

  it('a password next to an invalid field is not echoed by the 400', async () => {
    proves('s1.no-echo.password');
    const password = canaryPassword();
    const res = await api.call('register', {
      body: { username: 'x', email: 'not-an-email', password },
      retryOn429: false,
    });
    expectError(res, 400, 'validation_error');
    noEcho(res, password);
  });

  it('malformed JSON carrying a password is not echoed by the 400', async () => {
    proves('s1.no-echo.password');
    const password = canaryPassword();
    const res = await api.call('login', {
      rawBody: {
        content: `{"username":"nobody_${runId}","password":"${password}"`,
        contentType: 'application/json',
      },
      retryOn429: false,
    });
    expectError(res, 400, 'validation_error');
    noEcho(res, password);
  });

  it('a wrong verification code is not echoed by the 400', async () => {
    proves('s1.no-echo.code');
    const user = await newUser({ name: 'echo-code', verified: false });
    const code = String((Number(config.testCode) + 424_242) % 1_000_000).padStart(6, '0');
    const res = await api.call('verifyEmail', { as: user, body: { code }, retryOn429: false });
    expectError(res, 400, 'validation_error');
    noEcho(res, code);
  });

  it('a bogus reset token is not echoed by the refusal', async () => {
    proves('s1.no-echo.token');
    const token = canaryToken('token');
    const res = await api.call('resetPassword', {
      body: { reset_token: token, new_password: canaryPassword() },
      retryOn429: false,
    });
    // §3 does not fix the status refusing a token that was never issued: any 4xx
    expect(res.status, failureText(res, `status ${res.status}`)).toBeGreaterThanOrEqual(400);
    expect(res.status, failureText(res, `status ${res.status}`)).toBeLessThan(500);
    noEcho(res, token);
  });

  it('a garbage Authorization header is not echoed by the 401', async () => {
    proves('s1.no-echo.token', 's1.auth.malformed');
    const token = canaryToken('token');
    for (const header of [
      authorization(token),
      `Bearer ${token}`,
      token,
      `${authorization(token)} extra`,
    ]) {
      const res = await api.call('getMe', { token: header });
      expectError(res, 401, 'unauthorized');
      noEcho(res, token);
    }
  });

  it('an unknown share code is not echoed by the 404', async () => {
    proves('s4.join.unknown-code');
    const code = crypto.randomBytes(3).toString('hex').toUpperCase();
    registerSecret(code, 'share_code');
    const res = await api.call('joinResidence', { as: w.stranger, body: { code } });
    expectError(res, 404, 'not_found');
    noEcho(res, code);
  });

  webhookIt('a bad webhook signature is not echoed by the 401', async () => {
    proves('s1.no-echo.signature', 's9.signature.bad');
    const sig = crypto.randomBytes(32).toString('hex');
    registerSecret(sig, 'signature');
    const res = await api.call('subscriptionWebhook', {
      as: anonymous,
      rawBody: {
        content: JSON.stringify({
          event_id: `evt_${runId}_echo`,
          type: 'subscription.renewed',
          user_id: w.owner.id,
          expires_at: new Date(Date.now() + 86400_000).toISOString(),
        }),
        contentType: 'application/json',
      },
      headers: signatureHeaders(signatureOfHex(sig)),
    });
    expectError(res, 401, 'unauthorized');
    noEcho(res, sig);
  });
});

suite('an unverified user cannot create a residence', () => {
  it('POST /api/residences/ as an unverified user → 403 forbidden, nothing stored', async () => {
    proves('s4.create.unverified', 's1.error.forbidden');
    const user = await newUser({ name: 'unverified', verified: false });
    const res = await api.call('createResidence', {
      as: user,
      body: { name: tagged('unverified home') },
    });
    expectError(res, 403, 'forbidden');
    expect(expectStatus(await api.call('listResidences', { as: user }), 200).body).toEqual([]);
  });

  it('the same user can create one once verified (control)', async () => {
    proves('s4.create.owner');
    const user = await newUser({ name: 'verified-later', verified: false });
    expectStatus(await api.call('verifyEmail', { as: user, body: { code: config.testCode } }), 200);
    const r = await newResidence(user);
    // the creator becomes its owner (§4): it lists the residence and may do what only an owner may
    expect(
      expectStatus(await api.call('listResidences', { as: user }), 200).body.map(
        (x: { id: number }) => x.id,
      ),
    ).toEqual([r.id]);
    expectStatus(await api.call('createShareCode', { as: user, path: { id: r.id } }), 201);
  });
});
