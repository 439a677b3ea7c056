/**
 * Documents and completion images (§7): the upload answer, the allowed kinds judged by the
 * file's first bytes, the declared types that are tolerated, empty and at-limit files, the
 * paged list, read / patch / delete, and the media URLs. Every file carries random bytes so
 * size and sha256 are checked against what was sent, never against what came back.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  expectError,
  expectStatus,
  type ApiResponse,
} from '../fixtures/harness/client/client.ts';
import type { Actor } from '../fixtures/harness/actors.ts';
import { mediaType } from '../fixtures/harness/client/checks.ts';
import { limits } from '../fixtures/harness/config.ts';
import {
  complete,
  newResidence,
  newTask,
  newUser,
  type Residence,
} from '../fixtures/harness/factories.ts';
import { recordSecretsForFinalScan } from '../fixtures/harness/secrets/log-leak-scan.ts';
import {
  mediaPath,
  pathnameOf,
  requestUrl,
  resolveLink,
} from '../fixtures/harness/client/links.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { runId, tagged } from '../fixtures/harness/run.ts';
import { JPEG, PDF, PNG, TEXT } from '../fixtures/harness/samples.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...FACTORY_OPS.user,
  ...FACTORY_OPS.residence,
  ...FACTORY_OPS.task,
  ...FACTORY_OPS.completion,
  'createDocument',
  'deleteDocument',
  'getCompletion',
  'getCompletionImageFile',
  'getDocument',
  'getDocumentFile',
  'listDocuments',
  'updateDocument',
  'uploadCompletionImage',
);

/** §7: 10 MiB (10,485,760 bytes), from the configuration like the windows. */
const UPLOAD_LIMIT = limits.uploadMaxBytes;
/** The fields §7 lists in the upload answer (a target may add others, §12). */
const DOCUMENT_KEYS = [
  'content_type',
  'created_at',
  'document_type',
  'file_url',
  'id',
  'residence_id',
  'sha256',
  'size',
  'title',
].sort();
const DOCUMENT_TYPES = ['warranty', 'manual', 'receipt', 'insurance', 'other'] as const;

const sha256 = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');
const rand = (n: number): Buffer => crypto.randomBytes(n);

/** The four allowed kinds, each with unique bytes behind its signature. */
interface Kind {
  name: string;
  mime: string;
  ext: string;
  bytes: () => Buffer;
}
const KINDS: Kind[] = [
  {
    name: 'PDF',
    mime: 'application/pdf',
    ext: 'pdf',
    bytes: () => Buffer.concat([PDF, Buffer.from(`% ${runId} ${rand(8).toString('hex')}\n`)]),
  },
  { name: 'PNG', mime: 'image/png', ext: 'png', bytes: () => Buffer.concat([PNG, rand(48)]) },
  {
    name: 'JPEG',
    mime: 'image/jpeg',
    ext: 'jpg',
    bytes: () => Buffer.concat([JPEG.subarray(0, JPEG.length - 2), rand(48), JPEG.subarray(-2)]),
  },
  {
    name: 'plain text',
    mime: 'text/plain',
    ext: 'txt',
    bytes: () => Buffer.concat([TEXT, Buffer.from(`${runId} ${rand(8).toString('hex')}\n`)]),
  },
];
const kind = (name: string): Kind => KINDS.find((k) => k.name === name)!;

let owner: Actor;
let residence: Residence;

beforeAll(async () => {
  if (!suite.ok) return;
  owner = await newUser({ name: 'documents-owner' });
  residence = await newResidence(owner);
});
afterAll(() => recordSecretsForFinalScan());

interface Upload {
  content: Buffer;
  filename?: string;
  contentType?: string;
  title?: string;
  documentType?: string;
  residenceId?: number;
  as?: Actor;
}

function upload(u: Upload): Promise<ApiResponse> {
  return api.call('createDocument', {
    as: u.as ?? owner,
    multipart: {
      fields: {
        residence_id: u.residenceId ?? residence.id,
        title: u.title ?? tagged('document'),
        document_type: u.documentType ?? 'other',
      },
      files: {
        file: {
          content: u.content,
          filename: u.filename ?? `doc-${runId}.bin`,
          contentType: u.contentType ?? 'application/octet-stream',
        },
      },
    },
  });
}

/**
 * A multipart body built by hand whose file part declares an empty type (`Content-Type:` with
 * no value). A part with no Content-Type header at all is not used: RFC 7578 §4.4 defaults it
 * to text/plain, so a careful API may read it as a declared text/plain.
 */
function uploadWithEmptyPartType(content: Buffer, filename: string): Promise<ApiResponse> {
  const boundary = `----casera${rand(12).toString('hex')}`;
  const field = (name: string, value: string | number) =>
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    );
  const body = Buffer.concat([
    field('residence_id', residence.id),
    field('title', tagged('untyped part')),
    field('document_type', 'other'),
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: \r\n\r\n`,
    ),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return api.call('createDocument', {
    as: owner,
    rawBody: { content: body, contentType: `multipart/form-data; boundary=${boundary}` },
  });
}

async function documentIds(residenceId = residence.id): Promise<number[]> {
  const page = expectStatus(
    await api.call('listDocuments', {
      as: owner,
      query: { residence_id: residenceId, page_size: 100 },
    }),
    200,
  ).body;
  return page.results.map((d: { id: number }) => d.id);
}

/** The stored kind and bytes: the upload answer and the media download agree with what was sent. */
async function expectStoredAs(res: ApiResponse, bytes: Buffer, mime: string): Promise<void> {
  expectStatus(res, 201);
  expect(mediaType(res.body.content_type)).toBe(mime);
  expect(res.body.size).toBe(bytes.length);
  expect(res.body.sha256).toBe(sha256(bytes));
  const file = expectStatus(await api.raw('GET', mediaPath(res.body.file_url), { as: owner }), 200);
  expect(mediaType(file.headers['content-type'])).toBe(mime);
  expect(sha256(file.bytes)).toBe(sha256(bytes));
}

suite('POST /api/documents/', () => {
  it('answers 201 {id, residence_id, title, document_type, file_url, content_type, size, sha256, created_at}', async () => {
    proves('s7.upload.created');
    const bytes = kind('PDF').bytes();
    const title = tagged('warranty card');
    const before = Date.now();
    const res = expectStatus(
      await upload({
        content: bytes,
        filename: `w-${runId}.pdf`,
        contentType: 'application/pdf',
        title,
        documentType: 'warranty',
      }),
      201,
    );
    expect(Object.keys(res.body)).toEqual(expect.arrayContaining(DOCUMENT_KEYS));
    expect(res.body).toMatchObject({
      residence_id: residence.id,
      title,
      document_type: 'warranty',
    });
    expect(mediaType(res.body.content_type)).toBe('application/pdf');
    expect(Number.isInteger(res.body.id) && res.body.id > 0).toBe(true);
    const created = Date.parse(res.body.created_at);
    expect(created).toBeGreaterThanOrEqual(before - 60_000);
    expect(created).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(await documentIds()).toContain(res.body.id);
  });

  it('size and sha256 are those of the bytes sent', async () => {
    proves('s7.upload.size-sha256');
    for (const n of [1, 777, 65_537]) {
      const bytes = Buffer.concat([TEXT, Buffer.alloc(n, 0x61)]);
      const res = expectStatus(
        await upload({ content: bytes, filename: `s-${runId}.txt`, contentType: 'text/plain' }),
        201,
      );
      expect(res.body.size).toBe(bytes.length);
      expect(res.body.sha256).toBe(sha256(bytes));
    }
  });

  for (const type of DOCUMENT_TYPES) {
    it(`document_type ${type} is accepted and answered back`, async () => {
      proves('s7.upload.document-type');
      const res = expectStatus(
        await upload({
          content: kind('PDF').bytes(),
          contentType: 'application/pdf',
          documentType: type,
        }),
        201,
      );
      expect(res.body.document_type).toBe(type);
    });
  }

  it('a document_type outside warranty|manual|receipt|insurance|other → 400, nothing stored', async () => {
    proves('s7.upload.document-type');
    const before = await documentIds();
    for (const type of ['invoice', 'WARRANTY', '']) {
      const res = await upload({
        content: kind('PDF').bytes(),
        contentType: 'application/pdf',
        documentType: type,
      });
      // §7 fixes the five types; a 400 without details is the target's choice (§12)
      expectError(res, 400, 'validation_error');
    }
    expect(await documentIds()).toEqual(before);
  });

  const allowed: [string, string][] = [
    ['PDF', 's7.upload.pdf'],
    ['PNG', 's7.upload.png'],
    ['JPEG', 's7.upload.jpeg'],
    ['plain text', 's7.upload.text'],
  ];
  for (const [name, rule] of allowed) {
    it(`a ${name} file declared ${kind(name).mime} is stored as ${kind(name).mime}`, async () => {
      proves(rule);
      const k = kind(name);
      const bytes = k.bytes();
      await expectStoredAs(
        await upload({ content: bytes, filename: `a-${runId}.${k.ext}`, contentType: k.mime }),
        bytes,
        k.mime,
      );
    });
  }

  it('the kind is judged by the first bytes: the same declared type and file name, four kinds', async () => {
    proves('s7.upload.sniffed');
    for (const k of KINDS) {
      const bytes = k.bytes();
      // a misleading name: the extension says nothing the API may rely on
      await expectStoredAs(
        await upload({
          content: bytes,
          filename: `same-name-${runId}.dat`,
          contentType: 'application/octet-stream',
        }),
        bytes,
        k.mime,
      );
    }
  });

  it('a file named like another kind is stored as the kind its bytes are', async () => {
    proves('s7.upload.sniffed');
    const bytes = kind('PNG').bytes();
    await expectStoredAs(
      await upload({ content: bytes, filename: `looks-${runId}.pdf` }),
      bytes,
      'image/png',
    );
  });

  for (const k of KINDS) {
    it(`a ${k.name} file part declared with an empty type is accepted as ${k.mime}`, async () => {
      proves('s7.upload.declared-empty');
      const bytes = k.bytes();
      await expectStoredAs(
        await uploadWithEmptyPartType(bytes, `u-${runId}.${k.ext}`),
        bytes,
        k.mime,
      );
    });

    it(`a ${k.name} file declared application/octet-stream is accepted as ${k.mime}`, async () => {
      proves('s7.upload.declared-octet-stream');
      const bytes = k.bytes();
      await expectStoredAs(
        await upload({
          content: bytes,
          filename: `o-${runId}.${k.ext}`,
          contentType: 'application/octet-stream',
        }),
        bytes,
        k.mime,
      );
    });
  }

  it('an empty file → 400, nothing stored', async () => {
    proves('s7.upload.empty');
    const before = await documentIds();
    for (const contentType of ['application/pdf', 'application/octet-stream']) {
      const res = await upload({
        content: Buffer.alloc(0),
        filename: `empty-${runId}.pdf`,
        contentType,
      });
      expectError(res, 400, 'validation_error');
    }
    expect(await documentIds()).toEqual(before);
  });

  it('a file of exactly the upload limit (10,485,760 bytes) is accepted', async () => {
    proves('s7.upload.at-limit');
    const head = kind('PDF').bytes();
    const bytes = Buffer.concat([head, Buffer.alloc(UPLOAD_LIMIT - head.length, 0x20)]);
    expect(bytes.length).toBe(UPLOAD_LIMIT);
    const res = expectStatus(
      await upload({
        content: bytes,
        filename: `limit-${runId}.pdf`,
        contentType: 'application/pdf',
      }),
      201,
    );
    expect(res.body.size).toBe(UPLOAD_LIMIT);
    expect(res.body.sha256).toBe(sha256(bytes));
    // keep the target's storage small
    expectStatus(await api.call('deleteDocument', { as: owner, path: { id: res.body.id } }), 204);
  });
});

suite('GET /api/documents/?residence_id= pages', () => {
  it('five documents at page_size 2: pages of 2, 2 and 1 linked by next / previous, count 5', async () => {
    proves('s7.list.pages');
    const home = await newResidence(owner);
    const created: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const res = expectStatus(
        await upload({
          content: kind('plain text').bytes(),
          contentType: 'text/plain',
          residenceId: home.id,
          title: tagged(`paged ${i}`),
        }),
        201,
      );
      created.push(res.body.id);
    }
    const query = { residence_id: home.id, page_size: 2 };
    const first = expectStatus(await api.call('listDocuments', { as: owner, query }), 200).body;
    // links are absolute or relative to the request that answered them (§12); queries are kept
    let at = requestUrl('listDocuments', { query });
    expect(first.count).toBe(5);
    expect(first.results).toHaveLength(2);
    expect(first.previous).toBeNull();
    expect(typeof first.next).toBe('string');
    const seen: number[] = first.results.map((d: { id: number }) => d.id);
    let page = first;
    const sizes = [2];
    while (page.next) {
      const link = resolveLink(page.next, at);
      const next = expectStatus(await api.raw('GET', link.path, { as: owner }), 200).body;
      at = link.absolute;
      expect(next.count).toBe(5);
      expect(typeof next.previous).toBe('string');
      sizes.push(next.results.length);
      seen.push(...next.results.map((d: { id: number }) => d.id));
      page = next;
      if (sizes.length > 5) break;
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect([...seen].sort((a, b) => a - b)).toEqual([...created].sort((a, b) => a - b));
    for (const d of [...first.results, ...page.results]) expect(d.residence_id).toBe(home.id);
    // previous of the last page leads back to a page of 2
    const back = expectStatus(
      await api.raw('GET', resolveLink(page.previous, at).path, { as: owner }),
      200,
    ).body;
    expect(back.results).toHaveLength(2);
  });
});

suite('GET / PATCH / DELETE /api/documents/{id}/', () => {
  async function fresh(): Promise<{
    doc: Record<string, unknown> & { id: number };
    bytes: Buffer;
  }> {
    const bytes = kind('PDF').bytes();
    const doc = expectStatus(
      await upload({
        content: bytes,
        contentType: 'application/pdf',
        title: tagged('crud'),
        documentType: 'manual',
      }),
      201,
    ).body;
    return { doc, bytes };
  }

  it('GET answers the document as it was created', async () => {
    proves('s7.get');
    const { doc } = await fresh();
    const got = expectStatus(
      await api.call('getDocument', { as: owner, path: { id: doc.id } }),
      200,
    ).body;
    expect(got).toEqual(doc);
  });

  it('PATCH changes title and document_type; the file, size and sha256 stay', async () => {
    proves('s7.patch');
    const { doc, bytes } = await fresh();
    const title = tagged('renamed receipt');
    const res = expectStatus(
      await api.call('updateDocument', {
        as: owner,
        path: { id: doc.id },
        body: { title, document_type: 'receipt' },
      }),
      200,
    );
    const expected = { ...doc, title, document_type: 'receipt' };
    expect(res.body).toEqual(expected);
    expect(
      expectStatus(await api.call('getDocument', { as: owner, path: { id: doc.id } }), 200).body,
    ).toEqual(expected);
    const file = expectStatus(
      await api.raw('GET', mediaPath(String(doc.file_url)), { as: owner }),
      200,
    );
    expect(sha256(file.bytes)).toBe(sha256(bytes));
  });

  it('PATCH of one field leaves the other', async () => {
    proves('s7.patch');
    const { doc } = await fresh();
    const res = expectStatus(
      await api.call('updateDocument', {
        as: owner,
        path: { id: doc.id },
        body: { document_type: 'insurance' },
      }),
      200,
    );
    expect(res.body).toEqual({ ...doc, document_type: 'insurance' });
  });

  it('DELETE answers 204; the document is then 404 and gone from the list', async () => {
    proves('s7.delete');
    const { doc } = await fresh();
    const res = expectStatus(
      await api.call('deleteDocument', { as: owner, path: { id: doc.id } }),
      204,
    );
    expect(res.bytes.length).toBe(0);
    expectError(
      await api.call('getDocument', { as: owner, path: { id: doc.id } }),
      404,
      'not_found',
    );
    expect(await documentIds()).not.toContain(doc.id);
    expectError(
      await api.call('deleteDocument', { as: owner, path: { id: doc.id } }),
      404,
      'not_found',
    );
  });
});

suite('media URLs', () => {
  it('file_url is /api/media/documents/{id}/ of the document', async () => {
    proves('s7.url.document');
    const bytes = kind('PDF').bytes();
    const doc = expectStatus(
      await upload({ content: bytes, contentType: 'application/pdf' }),
      201,
    ).body;
    // the route of the operation map (ending it: a document may put `/api` in `servers`)
    const route = api.path('getDocumentFile', { id: doc.id });
    expect(pathnameOf(doc.file_url).endsWith(route), `file_url ${doc.file_url} is ${route}`).toBe(
      true,
    );
    const file = expectStatus(
      await api.call('getDocumentFile', { as: owner, path: { id: doc.id } }),
      200,
    );
    expect(sha256(file.bytes)).toBe(sha256(bytes));
  });
});

suite('POST /api/task-completions/{id}/images/', () => {
  for (const name of ['PNG', 'JPEG']) {
    it(`a ${name} image answers 201 {id, image_url}; its URL serves the bytes sent`, async () => {
      proves('s7.image.created');
      const k = kind(name);
      const completion = await complete(
        owner,
        await newTask(owner, residence, { title: tagged(`image ${name}`) }),
      );
      const bytes = k.bytes();
      const res = expectStatus(
        await api.call('uploadCompletionImage', {
          as: owner,
          path: { id: completion.id },
          multipart: {
            files: {
              image: { content: bytes, filename: `i-${runId}.${k.ext}`, contentType: k.mime },
            },
          },
        }),
        201,
      );
      expect(Number.isInteger(res.body.id) && res.body.id > 0).toBe(true);
      expect(typeof res.body.image_url).toBe('string');
      // §7: a GET of image_url returns the exact bytes stored
      const file = expectStatus(
        await api.raw('GET', mediaPath(res.body.image_url), { as: owner }),
        200,
      );
      expect(sha256(file.bytes)).toBe(sha256(bytes));
      expect(mediaType(file.headers['content-type'])).toBe(k.mime);
      // a target whose completion answer lists its images (§7 names no such field) lists this one
      const after = expectStatus(
        await api.call('getCompletion', { as: owner, path: { id: completion.id } }),
        200,
      ).body;
      if (Array.isArray(after.images)) {
        expect(after.images.map((i: { id: number }) => i.id)).toEqual([res.body.id]);
      }
    });
  }

  it('image_url is /api/media/completion-images/{id}/ of the image', async () => {
    proves('s7.url.image');
    const completion = await complete(
      owner,
      await newTask(owner, residence, { title: tagged('image url') }),
    );
    const bytes = kind('PNG').bytes();
    const image = expectStatus(
      await api.call('uploadCompletionImage', {
        as: owner,
        path: { id: completion.id },
        multipart: {
          files: {
            image: { content: bytes, filename: `u-${runId}.png`, contentType: 'image/png' },
          },
        },
      }),
      201,
    ).body;
    const route = api.path('getCompletionImageFile', { id: image.id });
    expect(
      pathnameOf(image.image_url).endsWith(route),
      `image_url ${image.image_url} is ${route}`,
    ).toBe(true);
    const file = expectStatus(
      await api.call('getCompletionImageFile', { as: owner, path: { id: image.id } }),
      200,
    );
    expect(sha256(file.bytes)).toBe(sha256(bytes));
  });
});
