/**
 * The OpenAPI document itself: a valid OpenAPI 3 document whose operations can be checked
 * (every secured operation documents 401, every operation taking input documents 400, every
 * 4xx carries the Error body, every example matches its schema), read through the normalised
 * document (fixtures/harness/document/document.ts), whatever style it is written in.
 *
 * A document defect the normaliser found (e.g. `nullable` beside an `enum` without `null`) is
 * ONE failing test here, named by its location in the document, with the fix; everywhere
 * else the suite takes the practical reading, so one line never fails a hundred tests.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { documentFindings } from '../fixtures/harness/document/document.ts';
import { loadedDoc, operationMap, specLabel } from '../fixtures/harness/document/operations.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { validates } from '../fixtures/harness/document/schema-data.ts';
import {
  childPointer,
  docOperations,
  isSecured,
  jsonMedia,
  responseFor,
} from '../fixtures/harness/document/spec.ts';
import type { DocOperation, SchemaObject } from '../fixtures/harness/document/spec.ts';

const doc = loadedDoc();
const ops = docOperations(doc);
const label = (o: DocOperation) => `${o.operationId ?? `${o.method.toUpperCase()} ${o.path}`}`;
const findings = documentFindings(doc);

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3 document', async () => {
    const source = specLabel();
    await expect(SwaggerParser.validate(source)).resolves.toBeTruthy();
    expect(String(doc.openapi)).toMatch(/^3\./);
  });

  it('gives distinct operations distinct operationIds (operationIds are optional)', () => {
    const ids = ops.map((o) => o.operationId).filter((id): id is string => !!id);
    const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(dupes, 'duplicate operationIds').toEqual([]);
  });

  it('documents 401 (exactly, as 4XX or as default) for every secured operation', () => {
    proves('s1.auth.missing'); // as the document states it
    const lacking = ops
      .filter((o) => isSecured(doc, o.op) && !responseFor(o.op, 401))
      .map((o) => `${label(o)} (${childPointer(o.pointer, 'responses')})`);
    expect(lacking, 'secured operations without a 401 response').toEqual([]);
  });

  it('documents 400 (exactly, as 4XX or as default) for every operation that takes a body or query input', () => {
    const lacking = ops
      .filter((o) => o.op.requestBody || o.parameters.some((p) => p.in === 'query'))
      .filter((o) => !responseFor(o.op, 400))
      .map((o) => `${label(o)} (${childPointer(o.pointer, 'responses')})`);
    expect(lacking, 'operations taking input without a 400 response').toEqual([]);
  });

  it('describes every 4xx answer with a JSON Error body {error, message, details?}', () => {
    proves('s1.error.body-shape'); // as the document states it
    const bad: string[] = [];
    for (const o of ops) {
      for (const [status, r] of Object.entries<SchemaObject>(o.op.responses ?? {})) {
        // 4xx keys, and `default` when it is what documents a 4xx of this operation
        const covers4xx =
          /^4/.test(status) ||
          (status === 'default' &&
            [400, 401, 403, 404].some((s) => responseFor(o.op, s)?.key === 'default'));
        if (!covers4xx) continue;
        // the normalised schema: allOf merged, media keys without parameters
        const schema = jsonMedia(r.content)?.media.schema;
        const req: string[] = schema?.required ?? [];
        const props: SchemaObject = schema?.properties ?? {};
        const named = (f: string) => req.includes(f) && f in props;
        if (!schema || !named('error') || !named('message')) {
          bad.push(`${label(o)} ${status} (${childPointer(o.pointer, 'responses', status)})`);
        }
      }
    }
    expect(bad, '4xx responses without the Error body').toEqual([]);
  });

  it('gives every example a value its schema accepts', () => {
    const bad: string[] = [];
    const visit = (media: SchemaObject | undefined, where: string) => {
      if (!media?.schema) return;
      const ok = validates(media.schema);
      const examples: [string, unknown][] = [];
      if ('example' in media) examples.push(['example', media.example]);
      for (const [n, e] of Object.entries<SchemaObject>(media.examples ?? {})) {
        if (e && 'value' in e) examples.push([n, e.value]);
      }
      for (const [n, v] of examples) {
        if (!ok(v)) bad.push(n === 'example' ? `${where}/example` : `${where}/examples/${n}`);
      }
    };
    for (const o of ops) {
      for (const [mt, media] of Object.entries<SchemaObject>(o.op.requestBody?.content ?? {})) {
        if (/json/.test(mt)) visit(media, childPointer(o.pointer, 'requestBody', 'content', mt));
      }
      for (const [status, r] of Object.entries<SchemaObject>(o.op.responses ?? {})) {
        for (const [mt, media] of Object.entries<SchemaObject>(r.content ?? {})) {
          if (/json/.test(mt))
            visit(media, childPointer(o.pointer, 'responses', status, 'content', mt));
        }
      }
    }
    expect(bad, 'examples their schema rejects').toEqual([]);
  });

  it('has no operation the operation map does not name, OPTIONS aside (it could never be exercised)', () => {
    // §12: whether OPTIONS is served is the implementation's choice, so documenting it is too
    const { unmapped } = operationMap();
    const options = unmapped.filter((o) => o.method === 'options');
    if (options.length) {
      console.log(`[casera] OPTIONS documented on ${options.length} path(s) (§12: not exercised)`);
    }
    const others = unmapped.filter((o) => o.method !== 'options');
    expect(others.map((o) => `${label(o)} (${o.pointer})`)).toEqual([]);
  });
});

// one failing test per defect the normaliser found, named by its location (none: no describe)
if (findings.length) {
  describe('document defects (each read practically everywhere else; one test per location)', () => {
    for (const f of findings) {
      it(`${f.pointer}`, () => {
        expect.fail(`${f.pointer}: ${f.message}. Fix: ${f.fix}.`);
      });
    }
  });
}
