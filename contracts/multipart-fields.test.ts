/**
 * §10: a multipart part without a `filename` is a text field, so `file` (documents) or `image`
 * (completion images) sent that way → 400 naming the field, and nothing is stored. The bodies
 * are built byte for byte, so the part differs from an accepted upload only by its filename:
 * the same body with `filename="…"` is accepted (the control).
 */
import crypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, expectDetail, expectStatus } from '../fixtures/harness/client.ts';
import type { ApiResponse, CallOptions } from '../fixtures/harness/client.ts';
import { complete, newTask } from '../fixtures/harness/factories.ts';
import { hasOp } from '../fixtures/harness/operations.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { tagged } from '../fixtures/harness/run.ts';
import { PNG, TEXT, PDF } from '../fixtures/harness/samples.ts';
import { sharedScenario } from '../fixtures/harness/scenario.ts';
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
beforeAll(async () => {
  s = await sharedScenario();
});

describe.runIf(hasOp('createDocument') && hasOp('listDocuments'))(
  'createDocument: `file` sent without a filename is a text field → 400 (§10)',
  () => {
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
      it(`a \`file\` part of ${what} without a filename → 400 details.file, nothing stored`, async () => {
        proves('s10.multipart.file-as-text');
        const before = await count();
        expectDetail(await send({ name: 'file', content, contentType }), 'file');
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
    });
  },
);

describe.runIf(hasOp('uploadCompletionImage') && hasOp('getCompletion'))(
  'uploadCompletionImage: `image` sent without a filename is a text field → 400 (§10)',
  () => {
    let completionId = 0;
    beforeAll(async () => {
      completionId = (await complete(s.w.owner, await newTask(s.w.owner, s.w.residence))).id;
    });
    const images = async (): Promise<unknown[]> => {
      const res = await api.call('getCompletion', { as: s.w.owner, path: { id: completionId } });
      return expectStatus(res, 200).body.images;
    };
    const send = (image: Part): Promise<ApiResponse> =>
      api.call('uploadCompletionImage', {
        as: s.w.owner,
        path: { id: completionId },
        rawBody: multipart([image]),
      });

    for (const [what, contentType] of [
      ['declared image/png', 'image/png'],
      ['with no declared type', undefined],
    ] as const) {
      it(`an \`image\` part of PNG bytes ${what} without a filename → 400 details.image, nothing stored`, async () => {
        proves('s10.multipart.image-as-text');
        const before = await images();
        expectDetail(await send({ name: 'image', content: PNG, contentType }), 'image');
        expect(await images()).toEqual(before);
      });
    }

    it('the same `image` part with a filename is stored (control)', async () => {
      proves('s10.multipart.image-as-text');
      const before = await images();
      const res = await send({
        name: 'image',
        content: PNG,
        filename: 'photo.png',
        contentType: 'image/png',
      });
      expectStatus(res, 201);
      expect((await images()).length).toBe(before.length + 1);
    });
  },
);
