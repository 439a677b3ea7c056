/**
 * `transformed`: the reference document said in other words by a tool (a bundler or a code-first
 * generator): every operationId renamed, every `$ref` inlined, every example removed, paths and
 * operations in reverse order. Proof that the suites find operations by method and path, not by
 * one document's names or order.
 */
import { createHash } from 'node:crypto';
import SwaggerParser from '@apidevtools/swagger-parser';
import { clone, METHODS, REFERENCE_SPEC, stripExamples } from './common.ts';
import type { DocumentStyle, Obj } from './common.ts';

export function renameOperations(doc: Obj): void {
  for (const [p, item] of Object.entries(doc.paths as Obj)) {
    for (const m of METHODS) {
      const op = item[m];
      if (!op) continue;
      const hash = createHash('sha256').update(`${m} ${p}`).digest('hex').slice(0, 10);
      op.operationId = `renamed_${hash}`;
    }
  }
}

export function reorder(doc: Obj): void {
  const paths: Obj = {};
  for (const p of Object.keys(doc.paths).reverse()) {
    const item = doc.paths[p];
    const reordered: Obj = {};
    const keys = Object.keys(item);
    for (const k of keys.filter((k) => !METHODS.includes(k))) reordered[k] = item[k];
    for (const k of keys.filter((k) => METHODS.includes(k)).reverse()) reordered[k] = item[k];
    paths[p] = reordered;
  }
  doc.paths = paths;
}

export const transformed: DocumentStyle = {
  name: 'transformed',
  format: 'json',
  summary: 'a bundled copy: operationIds renamed, every $ref inlined, examples removed, reordered',
  constructs: [
    'renamed operationIds',
    'inline schemas (no $ref)',
    'no examples',
    'reordered operations',
  ],
  expectedFindings: [],
  async build() {
    // dereference() inlines every $ref; the JSON round trip turns shared objects into copies.
    const doc = stripExamples(clone(await SwaggerParser.dereference(REFERENCE_SPEC))) as Obj;
    // Every $ref is inlined, so only the security schemes (named, not referenced) stay in components.
    doc.components = { securitySchemes: doc.components?.securitySchemes };
    renameOperations(doc);
    reorder(doc);
    return doc;
  },
};
