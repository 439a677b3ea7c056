/**
 * npm run contract:transformed
 *
 * Writes a transformed copy of an OpenAPI document that says the same thing in other words: every
 * operationId renamed, every $ref inlined, every example removed, paths and operations in reverse order.
 * The contracts suite must pass against it exactly as against the original: proof that the suites find
 * operations by method and path, not by one document's names.
 *
 * Usage: tsx tools/transform-spec.ts [in=fixtures/reference-api/docs/openapi.yaml] [out=.tmp/transformed-openapi.json]
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';

const ROOT = path.resolve(import.meta.dirname, '..');
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Deep copy without `example`/`examples` keys (field names inside `properties` are kept). */
export function stripExamples(node: Json, parentKey = ''): Json {
  if (Array.isArray(node)) return node.map((n) => stripExamples(n));
  if (node === null || typeof node !== 'object') return node;
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(node)) {
    if (parentKey !== 'properties' && (k === 'example' || k === 'examples')) continue;
    out[k] = stripExamples(v, k);
  }
  return out;
}

export function renameOperations(doc: { paths: Record<string, Record<string, any>> }): void {
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) {
      const op = item[m];
      if (!op) continue;
      const hash = createHash('sha256').update(`${m} ${p}`).digest('hex').slice(0, 10);
      op.operationId = `renamed_${hash}`;
    }
  }
}

export function reorder(doc: { paths: Record<string, Record<string, any>> }): void {
  const paths: Record<string, Record<string, any>> = {};
  for (const p of Object.keys(doc.paths).reverse()) {
    const item = doc.paths[p];
    const reordered: Record<string, any> = {};
    const keys = Object.keys(item);
    for (const k of keys.filter((k) => !METHODS.includes(k))) reordered[k] = item[k];
    for (const k of keys.filter((k) => METHODS.includes(k)).reverse()) reordered[k] = item[k];
    paths[p] = reordered;
  }
  doc.paths = paths;
}

async function main(): Promise<void> {
  const input = path.resolve(
    process.argv[2] ?? path.join(ROOT, 'fixtures/reference-api/docs/openapi.yaml'),
  );
  const output = path.resolve(process.argv[3] ?? path.join(ROOT, '.tmp/transformed-openapi.json'));
  // dereference() inlines every $ref; a JSON round trip turns shared objects into independent copies.
  const deref = JSON.parse(JSON.stringify(await SwaggerParser.dereference(input))) as Json;
  const doc = stripExamples(deref) as unknown as {
    paths: Record<string, Record<string, any>>;
    components?: { securitySchemes?: unknown };
  };
  // Every $ref is inlined, so only the security schemes (named, not referenced) stay in components.
  doc.components = { securitySchemes: doc.components?.securitySchemes };
  renameOperations(doc);
  reorder(doc);
  await SwaggerParser.validate(JSON.parse(JSON.stringify(doc)));
  await mkdir(path.dirname(output), { recursive: true });
  await writeFile(output, JSON.stringify(doc, null, 2) + '\n');
  console.log(
    `[transform-spec] ${input} → ${output} (operationIds renamed, $refs inlined, examples removed, reordered)`,
  );
}

if (process.argv[1] && import.meta.filename === path.resolve(process.argv[1])) await main();
