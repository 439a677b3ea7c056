/**
 * Drift between the document, the live target and the mobile client:
 * - a method the document does not list, sent to a documented path → 405 `method_not_allowed`
 *   (§1; its Allow, when sent, lists the documented methods, not the refused one) – or 404 where the concrete path
 *   also fits another documented template (listArchivedTasks' path fits getTask's template);
 *   OPTIONS may be served (a CORS preflight, §12) or refused with 405, never a 5xx;
 * - HEAD where GET is served (§1): the valid GET request sent as HEAD answers GET's status,
 *   without a body;
 * - a documented path without its trailing slash → 404 `not_found` (§1);
 * - every call of the mobile client (fixtures/client-routes.json) is in the document and served.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { test } from '../fixtures/harness/test-fixtures.ts';
import { api, expectError, expectStatus, failureText } from '../fixtures/harness/client/client.ts';
import { repoRoot } from '../fixtures/harness/config.ts';
import {
  OPERATIONS,
  OP_NAMES,
  describeOp,
  loadedDoc,
  normaliseTemplate,
  itNeeds,
} from '../fixtures/harness/document/operations.ts';
import type { OpName } from '../fixtures/harness/document/operations.ts';
import { provesIn } from '../fixtures/harness/rules.ts';
import { missingFor, shapeOf, usable } from '../fixtures/harness/scenario.ts';
import type { Scenario } from '../fixtures/harness/scenario.ts';
import { docOperations } from '../fixtures/harness/document/spec.ts';

const doc = loadedDoc();
const ops = docOperations(doc);
const paths = [...new Set(ops.map((o) => o.path))];
const PROBE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
/** Whether OPTIONS is served is the implementation's choice (§12). */
const MAY_BE_SERVED = new Set(['OPTIONS']);

/** A regular expression matching the concrete paths of a document path template. */
function templatePattern(docPath: string): RegExp {
  const escaped = docPath.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/\{[^}]+\}/g, '[^/]+')}$`);
}

/** True when the concrete path of `docPath` also fits another documented path template. */
function ambiguous(url: string, docPath: string): boolean {
  return paths.some((p) => p !== docPath && templatePattern(p).test(url));
}

let s: Scenario;
const concrete = new Map<string, string>();

/** A concrete URL path for a document path: from the valid request of an operation on it. */
async function concretePath(docPath: string): Promise<string> {
  const known = concrete.get(docPath);
  if (known) return known;
  const onPath = OP_NAMES.filter((n) => usable(n) && api.op(n).path === docPath);
  const pick = (onPath.find((n) => api.op(n).method === 'get') ?? onPath[0]) as OpName | undefined;
  let p = docPath;
  if (pick && /\{/.test(docPath)) p = api.path(pick, (await shapeOf(pick, s)).path ?? {});
  concrete.set(docPath, p);
  return p;
}

test.beforeAll(({ scenario }) => {
  s = scenario; // this file's own scenario (a file fixture, frozen)
});

describe.concurrent(
  'a method the document does not list, sent to a documented path, answers 405 method_not_allowed',
  () => {
    for (const p of paths) {
      const documented = ops.filter((o) => o.path === p).map((o) => o.method.toUpperCase());
      const others = PROBE_METHODS.filter((m) => !documented.includes(m) && !(m === 'HEAD'));
      for (const method of others) {
        it(`${method} ${p} (documented: ${documented.join(', ')})`, async (ctx) => {
          const url = await concretePath(p);
          const res = await api.raw(method, url, { as: s.w.owner });
          if (MAY_BE_SERVED.has(method) && res.status >= 200 && res.status < 300) {
            // served (CORS): a 2xx is as correct as the 405 below (§12)
            expect(res.status).toBeLessThan(300);
            return;
          }
          if (ambiguous(url, p)) {
            // e.g. PATCH /api/residences/join/ also reads as PATCH /api/residences/{id}/
            expectStatus(res, [404, 405]);
          } else {
            provesIn(ctx, 's1.wrong-method', 's1.error.method-not-allowed');
            expectError(res, 405, 'method_not_allowed');
          }
          if (res.status === 405 && res.headers['allow']) {
            // RFC 9110: Allow lists the methods the resource supports – the documented ones
            // (OPTIONS and HEAD, generic to every path, may be left out) and never the refused one
            const allow = res.headers['allow'].split(',').map((x) => x.trim().toUpperCase());
            const own = documented.filter((m) => m !== 'OPTIONS' && m !== 'HEAD');
            expect(allow, `Allow of ${method} ${p}`).toEqual(expect.arrayContaining(own));
            expect(allow, `Allow of ${method} ${p}`).not.toContain(method);
          }
        });
      }
    }
  },
);

describe.concurrent("HEAD is served wherever GET is: GET's status, no body (§1)", () => {
  const gets = OP_NAMES.filter((n) => OPERATIONS[n][0] === 'GET');
  for (const name of gets) {
    const title = `HEAD ${describeOp(name)}`;
    // an operation its valid request needs is absent: named, printed, skipped (itNeeds)
    itNeeds(...missingFor(name))(title, async (ctx) => {
      provesIn(ctx, 's1.head');
      // the operation's valid request: GET serves it (2xx), so HEAD must be served too
      const opts = await shapeOf(name, s);
      const url = api.path(name, opts.path ?? {});
      const get = expectStatus(await api.call(name, opts), [200, 201, 202, 203, 204, 206]);
      const head = await api.raw('HEAD', url, { as: opts.as, query: opts.query });
      expect(head.status, failureText(head)).toBe(get.status);
      expect(head.bytes.length, 'HEAD answers without a body').toBe(0);
    });
  }
});

describe.concurrent('a documented path without its trailing slash answers 404 (§1)', () => {
  const byPath = new Map<string, string>();
  for (const o of ops) if (!byPath.has(o.path) || o.method === 'get') byPath.set(o.path, o.method);
  for (const [p, method] of byPath) {
    it(`${p} without the slash (${method})`, async (ctx) => {
      provesIn(ctx, 's1.no-trailing-slash-404', 's1.error.not-found');
      const url = (await concretePath(p)).replace(/\/$/, '');
      const res = await api.raw(method, url, { as: s.w.owner });
      expectError(res, 404, 'not_found');
    });
  }
});

interface ClientRoute {
  method: string;
  path: string;
  client?: string;
}
const clientRoutes: ClientRoute[] = JSON.parse(
  fs.readFileSync(path.join(repoRoot, 'fixtures/client-routes.json'), 'utf8'),
).routes;

describe.concurrent(
  'every call of the mobile client (fixtures/client-routes.json) is in the document and served',
  () => {
    const documented = new Set(
      ops.map((o) => `${o.method.toUpperCase()} ${normaliseTemplate(o.path)}`),
    );
    it('lists every client call in the document', () => {
      const absent = clientRoutes
        .filter((r) => !documented.has(`${r.method.toUpperCase()} ${normaliseTemplate(r.path)}`))
        .map((r) => `${r.method} ${r.path} (${r.client ?? '?'})`);
      expect(absent, 'client calls the document does not list').toEqual([]);
    });

    it.each(clientRoutes.map((r) => [r.method, r.path] as const))(
      '%s %s is served by the target (neither 404 nor 405 without credentials)',
      async (method, p) => {
        // ids of entities that exist, so a 404 can only mean the route is not served
        const docPath = paths.find((d) => normaliseTemplate(d) === normaliseTemplate(p));
        expect(docPath, `${method} ${p} is a documented path`).toBeDefined();
        const url = await concretePath(docPath!);
        const res = await api.raw(method, url, { as: null, checks: true });
        expect([404, 405], failureText(res)).not.toContain(res.status);
      },
    );
  },
);
