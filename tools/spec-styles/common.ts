/**
 * Shared pieces of the document styles (tools/spec-styles/): the reference document as plain data,
 * a walker, and the small rewrites more than one style uses. Every style starts from the reference
 * document (fixtures/reference-api/docs/openapi.yaml) and says the SAME contract in another way.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const REFERENCE_SPEC = path.join(ROOT, 'fixtures/reference-api/docs/openapi.yaml');
export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

// The documents are plain JSON data read loosely, as the harness does.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = Record<string, any>;

/** A document finding a style deliberately carries: where (JSON pointer into the style's own output) and what. */
export interface ExpectedFinding {
  pointer: string;
  problem: 'nullable-without-type' | 'nullable-enum-without-null';
}

export interface DocumentStyle {
  /** CLI and report name: `--style <name>`, `.tmp/styles/<name>.<format>`, `reports/styles/<name>/`. */
  name: string;
  format: 'json' | 'yaml';
  /** One line: who writes documents like this. */
  summary: string;
  /** The constructs this style exercises (README and unit tests). */
  constructs: string[];
  /** Document defects (strict 3.0.3 reading) the style carries on purpose, each once. */
  expectedFindings: ExpectedFinding[];
  build(): Promise<Obj> | Obj;
}

/** A fresh copy of the reference document, `$ref`s intact. */
export function loadReference(): Obj {
  return parse(fs.readFileSync(REFERENCE_SPEC, 'utf8')) as Obj;
}

export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** JSON pointer (RFC 6901) of a path of keys, `#`-prefixed as in `$ref`. */
export function pointer(...parts: (string | number)[]): string {
  return '#/' + parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/** Visit every object node depth-first (parents before children) with its key path. */
export function walk(
  node: unknown,
  visit: (obj: Obj, keys: (string | number)[]) => void,
  keys: (string | number)[] = [],
): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => walk(n, visit, [...keys, i]));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  visit(node as Obj, keys);
  for (const [k, v] of Object.entries(node as Obj)) walk(v, visit, [...keys, k]);
}

/** Every operation of the document, with its path and method. */
export function operations(doc: Obj): { path: string; method: string; op: Obj }[] {
  const out: { path: string; method: string; op: Obj }[] = [];
  for (const [p, item] of Object.entries(doc.paths as Obj)) {
    for (const m of METHODS) if (item[m]) out.push({ path: p, method: m, op: item[m] });
  }
  return out;
}

/**
 * Move the `/api` base path from every path into `servers` (`/api/tasks/` → `/tasks/` under
 * `serverUrl`, e.g. `/api` or `http://localhost:8000/api`).
 */
export function moveBasePathToServers(doc: Obj, serverUrl: string, description: string): void {
  const paths: Obj = {};
  for (const [p, item] of Object.entries(doc.paths as Obj)) {
    if (!p.startsWith('/api/')) throw new Error(`[spec-styles] path without the /api base: ${p}`);
    paths[p.slice('/api'.length)] = item;
  }
  doc.paths = paths;
  doc.servers = [{ url: serverUrl, description }];
}

/** Rename component schemas (`map` old → new) and every `$ref` to them. */
export function renameSchemas(doc: Obj, map: Record<string, string>): void {
  const schemas: Obj = {};
  for (const [k, v] of Object.entries(doc.components.schemas as Obj)) schemas[map[k] ?? k] = v;
  doc.components.schemas = schemas;
  renameRefs(doc, map);
}

/** Point every `$ref` to schema `old` at schema `map[old]` (the schemas themselves stay). */
export function renameRefs(doc: Obj, map: Record<string, string>): void {
  const prefix = '#/components/schemas/';
  walk(doc, (o) => {
    if (typeof o.$ref === 'string' && o.$ref.startsWith(prefix)) {
      const name = o.$ref.slice(prefix.length);
      if (map[name]) o.$ref = prefix + map[name];
    }
  });
}

/** Replace every `$ref` to `#/components/responses/X` by a copy of X (then drop components.responses). */
export function inlineResponses(doc: Obj): void {
  const prefix = '#/components/responses/';
  const shared = doc.components.responses as Obj;
  for (const { op } of operations(doc)) {
    for (const [status, r] of Object.entries(op.responses as Obj)) {
      if (typeof r.$ref === 'string' && r.$ref.startsWith(prefix)) {
        op.responses[status] = clone(shared[r.$ref.slice(prefix.length)]);
      }
    }
  }
  delete doc.components.responses;
}

/** Rename the media key `from` to `to` in every response and/or request body. */
export function renameMediaKeys(
  doc: Obj,
  from: string,
  to: string,
  where: { responses: boolean; requests: boolean },
): void {
  const rename = (content: Obj | undefined): Obj | undefined => {
    if (!content || !(from in content)) return content;
    const out: Obj = {};
    for (const [k, v] of Object.entries(content)) out[k === from ? to : k] = v;
    return out;
  };
  if (where.responses) {
    for (const r of Object.values((doc.components.responses ?? {}) as Obj))
      r.content = rename(r.content);
  }
  for (const { op } of operations(doc)) {
    if (where.responses) {
      for (const r of Object.values(op.responses as Obj))
        if (r.content) r.content = rename(r.content);
    }
    if (where.requests && op.requestBody?.content)
      op.requestBody.content = rename(op.requestBody.content);
  }
}

/** Remove every `example`/`examples` (field names inside `properties` are kept) and components.examples. */
export function stripExamples(node: unknown, parentKey = ''): unknown {
  if (Array.isArray(node)) return node.map((n) => stripExamples(n));
  if (node === null || typeof node !== 'object') return node;
  const out: Obj = {};
  for (const [k, v] of Object.entries(node as Obj)) {
    if (parentKey !== 'properties' && (k === 'example' || k === 'examples')) continue;
    out[k] = stripExamples(v, k);
  }
  return out;
}
