/**
 * §10: a multipart part without a `filename` is a text field, so `file` (documents) or `image`
 * (completion images) sent that way → 400 `validation_error` (which field `details` names, if
 * any, is the implementation's: §12). A refused document is not stored (the residence's
 * document count is unchanged). The bodies are built byte for byte, so the part differs from
 * an accepted upload only by its filename: the same body with `filename="…"` is accepted and
 * its bytes are served back (the control).
 */
import crypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';
import { api, expectError, expectStatus } from '../fixtures/harness/client/client.ts';
import type { ApiResponse, CallOptions } from '../fixtures/harness/client/client.ts';
import { complete, newTask } from '../fixtures/harness/factories.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { tagged } from '../fixtures/harness/run-id.ts';
import { PNG, TEXT, PDF } from '../fixtures/harness/samples.ts';
import type { Scenario } from '../fixtures/harness/scenario.ts';

interface Part {
  name: string;
  content: Buffer | string;
  filename?: string;
  contentType?: string;
}

/** A multipart/form-data body with exactly these parts (RFC 7578). */
function multipart(parts: Part[]): NonNullable<CallOptions['rawBody']> {
  const boundary = `----casera${crypto.randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename}"`;
    head += '\r\n';
    if (p.contentType) head += `Content-Type: ${p.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(p.content), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    content: Buffer.concat(chunks),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

let s: Scenario;
test.beforeAll(({ scenario }) => {
  s = scenario; // this file's own scenario (a file fixture, frozen)
});

requireOps(
  'createDocument',
  'listDocuments',
  'getDocumentFile',
)('createDocument: `file` sent without a filename is a text field → 400 (§10)', () => {
  const fields = (): Part[] => [
    { name: 'residence_id', content: String(s.w.residence.id) },
    { name: 'title', content: tagged('Multipart field') },
    { name: 'document_type', content: 'manual' },
  ];
  const count = async (): Promise<number> => {
    const res = await api.call('listDocuments', {
      as: s.w.owner,
      query: { residence_id: s.w.residence.id },
    });
    return expectStatus(res, 200).body.count;
  };
  const send = (file: Part): Promise<ApiResponse> =>
    api.call('createDocument', { as: s.w.owner, rawBody: multipart([...fields(), file]) });

  for (const [what, content, contentType] of [
    ['PDF bytes declared application/pdf', PDF, 'application/pdf'],
    ['plain text declared text/plain', TEXT, 'text/plain'],
    ['plain text with no declared type', TEXT, undefined],
  ] as const) {
    it(`a \`file\` part of ${what} without a filename → 400, nothing stored`, async () => {
      proves('s10.multipart.file-as-text');
      const before = await count();
      expect(before, 'the residence holds documents to count').toBeGreaterThan(0);
      expectError(await send({ name: 'file', content, contentType }), 400, 'validation_error');
      expect(await count()).toBe(before);
    });
  }

  it('the same `file` part with a filename is stored (control)', async () => {
    proves('s10.multipart.file-as-text');
    const res = await send({
      name: 'file',
      content: PDF,
      filename: 'manual.pdf',
      contentType: 'application/pdf',
    });
    expectStatus(res, 201);
    expect(res.body.size).toBe(PDF.length);
    const file = await api.call('getDocumentFile', { as: s.w.owner, path: { id: res.body.id } });
    expect(expectStatus(file, 200).bytes.equals(PDF), 'the exact bytes stored').toBe(true);
  });
});

requireOps('uploadCompletionImage', 'getCompletionImageFile')(
  'uploadCompletionImage: `image` sent without a filename is a text field → 400 (§10)',
  () => {
    let completionId = 0;
    beforeAll(async () => {
      completionId = (await complete(s.w.owner, await newTask(s.w.owner, s.w.residence))).id;
    });
    const send = (image: Part): Promise<ApiResponse> =>
      api.call('uploadCompletionImage', {
        as: s.w.owner,
        path: { id: completionId },
        rawBody: multipart([image]),
      });

    // the contract lists no read of a completion's images, so what a refused upload left
    // behind is not observable: the 400 is what is asserted
    for (const [what, contentType] of [
      ['declared image/png', 'image/png'],
      ['with no declared type', undefined],
    ] as const) {
      it(`an \`image\` part of PNG bytes ${what} without a filename → 400`, async () => {
        proves('s10.multipart.image-as-text');
        expectError(
          await send({ name: 'image', content: PNG, contentType }),
          400,
          'validation_error',
        );
      });
    }

    it('the same `image` part with a filename is stored and served back (control)', async () => {
      proves('s10.multipart.image-as-text');
      const res = await send({
        name: 'image',
        content: PNG,
        filename: 'photo.png',
        contentType: 'image/png',
      });
      expectStatus(res, 201);
      expect(typeof res.body.image_url, 'image_url').toBe('string');
      const file = await api.call('getCompletionImageFile', {
        as: s.w.owner,
        path: { id: res.body.id },
      });
      expect(expectStatus(file, 200).bytes.equals(PNG), 'the exact bytes stored').toBe(true);
    });
  },
);
