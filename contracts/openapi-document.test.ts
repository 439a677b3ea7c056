/**
 * The OpenAPI document itself: a valid OpenAPI document whose operations can be checked
 * (every operation named, every secured operation documents 401, every operation taking
 * input documents 400, every 4xx carries the Error body, every example matches its schema).
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { loadedDoc, operationMap, specLabel } from '../fixtures/harness/operations.ts';
import { validates } from '../fixtures/harness/schema-data.ts';
import { docOperations, isSecured, pointer, responseFor } from '../fixtures/harness/spec.ts';
import type { SchemaObject } from '../fixtures/harness/spec.ts';

const doc = loadedDoc();
const ops = docOperations(doc);
const label = (o: (typeof ops)[number]) => `${o.method.toUpperCase()} ${o.path}`;

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3 document', async () => {
    const source = specLabel();
    await expect(SwaggerParser.validate(source)).resolves.toBeTruthy();
    expect(String(doc.openapi)).toMatch(/^3\./);
  });

  it('gives every operation a unique operationId', () => {
    const missing = ops.filter((o) => !o.operationId).map((o) => `${label(o)} (${o.pointer})`);
    expect(missing, 'operations without an operationId').toEqual([]);
    const ids = ops.map((o) => o.operationId);
    const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(dupes, 'duplicate operationIds').toEqual([]);
  });

  it('documents 401 for every secured operation', () => {
    const lacking = ops
      .filter((o) => isSecured(doc, o.op) && !o.op.responses?.['401'])
      .map(
        (o) => `${o.operationId ?? label(o)} (${pointer('paths', o.path, o.method, 'responses')})`,
      );
    expect(lacking, 'secured operations without a 401 response').toEqual([]);
  });

  it('documents 400 for every operation that takes a body or query input', () => {
    const lacking = ops
      .filter((o) => o.op.requestBody || o.parameters.some((p) => p.in === 'query'))
      .filter((o) => !responseFor(o.op, 400) || responseFor(o.op, 400)?.key === 'default')
      .map(
        (o) => `${o.operationId ?? label(o)} (${pointer('paths', o.path, o.method, 'responses')})`,
      );
    expect(lacking, 'operations taking input without a 400 response').toEqual([]);
  });

  it('describes every 4xx answer with a JSON Error body {error, message, details?}', () => {
    const bad: string[] = [];
    for (const o of ops) {
      for (const [status, r] of Object.entries<SchemaObject>(o.op.responses ?? {})) {
        if (!/^4/.test(status)) continue;
        const schema = r.content?.['application/json']?.schema;
        const req: string[] = schema?.required ?? [];
        if (!schema || !req.includes('error') || !req.includes('message')) {
          bad.push(
            `${o.operationId} ${status} (${pointer('paths', o.path, o.method, 'responses', status)})`,
          );
        }
      }
    }
    expect(bad, '4xx responses without the Error body').toEqual([]);
  });

  it('gives every example a value its schema accepts', () => {
    const bad: string[] = [];
    const visit = (media: SchemaObject | undefined, where: (string | number)[]) => {
      if (!media?.schema) return;
      const ok = validates(media.schema);
      const examples: [string, unknown][] = [];
      if ('example' in media) examples.push(['example', media.example]);
      for (const [n, e] of Object.entries<SchemaObject>(media.examples ?? {})) {
        if (e && 'value' in e) examples.push([n, e.value]);
      }
      for (const [n, v] of examples) {
        if (!ok(v)) bad.push(pointer(...where, 'examples', n));
      }
    };
    for (const o of ops) {
      for (const [mt, media] of Object.entries<SchemaObject>(o.op.requestBody?.content ?? {})) {
        if (/json/.test(mt))
          visit(media, ['paths', o.path, o.method, 'requestBody', 'content', mt]);
      }
      for (const [status, r] of Object.entries<SchemaObject>(o.op.responses ?? {})) {
        for (const [mt, media] of Object.entries<SchemaObject>(r.content ?? {})) {
          if (/json/.test(mt))
            visit(media, ['paths', o.path, o.method, 'responses', status, 'content', mt]);
        }
      }
    }
    expect(bad, 'examples their schema rejects').toEqual([]);
  });

  it('has no operation the operation map does not name (it could never be exercised)', () => {
    const { unmapped } = operationMap();
    expect(unmapped.map((o) => `${o.operationId ?? ''} ${label(o)}`)).toEqual([]);
  });
});
