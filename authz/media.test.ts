/**
 * Media (§7): access follows the parent residence. Owner and member receive the exact bytes
 * stored; anyone else 404; no token 401; once the document, the completion or the whole
 * residence is deleted, the file is 404 for everyone.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anonymous,
  api,
  expectError,
  expectStatus,
  type ApiResponse,
} from '../fixtures/harness/client/client.ts';
import type { Actor } from '../fixtures/harness/actors.ts';
import { complete, newTask, world, type World } from '../fixtures/harness/factories.ts';
import { recordSecretsForFinalScan } from '../fixtures/harness/secrets/log-leak-scan.ts';
import { foreignLeaks } from '../fixtures/harness/secrets/response-disclosure.ts';
import { mediaPath } from '../fixtures/harness/client/links.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { runId, tagged } from '../fixtures/harness/run.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS, WORLD_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...WORLD_OPS,
  ...FACTORY_OPS.task,
  ...FACTORY_OPS.completion,
  'createDocument',
  'deleteCompletion',
  'deleteDocument',
  'deleteResidence',
  'getCompletion',
  'getDocument',
  'getResidence',
  'uploadCompletionImage',
  'getDocumentFile',
  'getCompletionImageFile',
);

const PNG_HEAD = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/** Unique bytes per file: a PNG followed by a random trailer (still sniffed as PNG). */
function png(): Buffer {
  return Buffer.concat([PNG_HEAD, crypto.randomBytes(64)]);
}
function pdf(): Buffer {
  return Buffer.concat([
    Buffer.from(`%PDF-1.4\n% ${runId} media\n`),
    crypto.randomBytes(256),
    Buffer.from('\n%%EOF\n'),
  ]);
}
const sha256 = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

interface Stored {
  w: World;
  document: { id: number; file_url: string; title: string };
  docBytes: Buffer;
  docName: string;
  completion: { id: number };
  image: { id: number; image_url: string };
  imageBytes: Buffer;
  imageName: string;
}

async function stored(): Promise<Stored> {
  const w = await world();
  const docBytes = pdf();
  const docName = `media-${runId}-${crypto.randomBytes(3).toString('hex')}.pdf`;
  const document = expectStatus(
    await api.call('createDocument', {
      as: w.owner,
      multipart: {
        fields: {
          residence_id: w.residence.id,
          title: tagged('media doc'),
          document_type: 'manual',
        },
        files: { file: { content: docBytes, filename: docName, contentType: 'application/pdf' } },
      },
    }),
    201,
  ).body;
  const completion = await complete(
    w.owner,
    await newTask(w.owner, w.residence, { title: tagged('media task') }),
  );
  const imageBytes = png();
  const imageName = `media-${runId}-${crypto.randomBytes(3).toString('hex')}.png`;
  const image = expectStatus(
    await api.call('uploadCompletionImage', {
      as: w.owner,
      path: { id: completion.id },
      multipart: {
        files: { image: { content: imageBytes, filename: imageName, contentType: 'image/png' } },
      },
    }),
    201,
  ).body;
  return { w, document, docBytes, docName, completion, image, imageBytes, imageName };
}

afterAll(() => recordSecretsForFinalScan());

/** `file_url` / `image_url` are paths (§7); an absolute URL is reduced to its path and query. */
const fetchFile = (url: string, as: Actor): Promise<ApiResponse> =>
  api.raw('GET', mediaPath(url), { as });

function expectBytes(res: ApiResponse, bytes: Buffer): void {
  expectStatus(res, 200);
  expect(res.bytes.length).toBe(bytes.length);
  expect(sha256(res.bytes)).toBe(sha256(bytes));
}

function expectNotDisclosed(res: ApiResponse, s: Stored): void {
  const leaks = foreignLeaks(
    res.body,
    res.text,
    {
      ids: { residence: [s.w.residence.id], completion: [s.completion.id], user: [s.w.owner.id] },
      strings: [s.document.title, s.docName, s.imageName, s.w.residence.name, s.w.owner.username],
    },
    [s.document.id, s.image.id],
  );
  expect(leaks).toEqual([]);
  // neither file's content
  expect(res.bytes.includes(s.docBytes.subarray(-64))).toBe(false);
  expect(res.bytes.includes(s.imageBytes.subarray(-32))).toBe(false);
}

suite('media follow the parent residence', () => {
  let s: Stored;
  beforeAll(async () => {
    s = await stored();
  });

  it('the owner receives the exact document bytes stored', async () => {
    proves('s7.media.document-bytes', 's7.access.owner');
    expectBytes(await fetchFile(s.document.file_url, s.w.owner), s.docBytes);
  });

  it('the owner receives the exact completion image bytes stored', async () => {
    proves('s7.media.image-bytes', 's7.access.owner');
    expectBytes(await fetchFile(s.image.image_url, s.w.owner), s.imageBytes);
  });

  it('a member receives the exact document and image bytes', async () => {
    proves('s7.access.member', 's7.media.document-bytes', 's7.media.image-bytes');
    expectBytes(await fetchFile(s.document.file_url, s.w.member), s.docBytes);
    expectBytes(await fetchFile(s.image.image_url, s.w.member), s.imageBytes);
  });

  for (const who of ['stranger', 'removed'] as const) {
    it(`${who === 'stranger' ? 'a stranger' : 'a removed member'} gets 404 for both files, no byte disclosed`, async () => {
      proves('s7.access.other');
      for (const url of [s.document.file_url, s.image.image_url]) {
        const res = await fetchFile(url, s.w[who]);
        expectError(res, 404, 'not_found');
        expectNotDisclosed(res, s);
      }
    });
  }

  it('no token gets 401 for both files, no byte disclosed', async () => {
    proves('s7.access.no-token');
    for (const url of [s.document.file_url, s.image.image_url]) {
      const res = await fetchFile(url, anonymous);
      expectError(res, 401, 'unauthorized');
      expectNotDisclosed(res, s);
    }
  });

  it('a HEAD by a stranger is 404 too', async () => {
    proves('s7.access.other', 's1.head');
    const res = await api.raw('HEAD', mediaPath(s.document.file_url), { as: s.w.stranger });
    expectStatus(res, 404);
    expect(res.bytes.length).toBe(0);
  });
});

suite('deleted or cascaded media are 404 for everyone', () => {
  const everyone = (s: Stored): Actor[] => [s.w.owner, s.w.member, s.w.stranger];

  it('after the document is deleted its file is 404 for owner, member and stranger', async () => {
    proves('s7.access.deleted');
    const s = await stored();
    expectStatus(
      await api.call('deleteDocument', { as: s.w.owner, path: { id: s.document.id } }),
      204,
    );
    for (const a of everyone(s))
      expectError(await fetchFile(s.document.file_url, a), 404, 'not_found');
    // no token and no document: §7 does not order its 401 against the 404, either refuses
    const anon = expectStatus(await fetchFile(s.document.file_url, anonymous), [401, 404]);
    expect(anon.bytes.includes(s.docBytes.subarray(-64))).toBe(false);
    // the other file is untouched
    expectBytes(await fetchFile(s.image.image_url, s.w.owner), s.imageBytes);
  });

  it('after the completion is deleted its image is 404 for owner, member and stranger', async () => {
    proves('s7.access.cascaded');
    const s = await stored();
    expectStatus(
      await api.call('deleteCompletion', { as: s.w.owner, path: { id: s.completion.id } }),
      204,
    );
    for (const a of everyone(s))
      expectError(await fetchFile(s.image.image_url, a), 404, 'not_found');
    expectBytes(await fetchFile(s.document.file_url, s.w.member), s.docBytes);
  });

  it('after the residence is deleted both files are 404 for owner, member and stranger', async () => {
    proves('s4.delete.cascade-media', 's7.access.cascaded');
    const s = await stored();
    expectStatus(
      await api.call('deleteResidence', { as: s.w.owner, path: { id: s.w.residence.id } }),
      204,
    );
    for (const a of everyone(s)) {
      expectError(await fetchFile(s.document.file_url, a), 404, 'not_found');
      expectError(await fetchFile(s.image.image_url, a), 404, 'not_found');
    }
  });

  it('after the residence is deleted its document and completion are 404 by id', async () => {
    proves(
      's4.delete.cascade-documents',
      's4.delete.cascade-completions',
      's10.deleted-residence.path',
    );
    const s = await stored();
    expectStatus(
      await api.call('deleteResidence', { as: s.w.owner, path: { id: s.w.residence.id } }),
      204,
    );
    expectError(
      await api.call('getDocument', { as: s.w.owner, path: { id: s.document.id } }),
      404,
      'not_found',
    );
    expectError(
      await api.call('getCompletion', { as: s.w.owner, path: { id: s.completion.id } }),
      404,
      'not_found',
    );
    expectError(
      await api.call('getResidence', { as: s.w.member, path: { id: s.w.residence.id } }),
      404,
      'not_found',
    );
  });
});
