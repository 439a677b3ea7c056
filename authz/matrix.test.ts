/**
 * §4 / §5 / §7 access matrix: the §4 table (operation × owner / member / anyone else), stated
 * below as data, probed on every operation of the loaded OpenAPI document.
 *
 * TABLE's rows are §4's operations as the contract words them, then the §5 and §7 resources
 * whose access follows the residence; each cell is the answer and the rules it proves. Every
 * row also holds for two more callers: a removed member is "anyone else" (§4: a removed member
 * loses all access at once) and a request without a token gets 401 (§1).
 *
 * fixtures/harness/authz/ classifies the document's operations (which path id, query parameter
 * or body field names a residence-scoped resource) and probes them; `rowOf` maps each onto its
 * row. An operation the contract does not name follows its resource's row, so one added to the
 * document is probed without editing this file; one that cannot be classified fails by name.
 * Each refused write is followed by the owner's read showing nothing changed, and no refused
 * answer carries a foreign id, title, name or file name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, expectDetail, expectError } from '../fixtures/harness/client/client.ts';
import { classifyDocument, type Classified } from '../fixtures/harness/authz/classify.ts';
import {
  actors,
  buildRequest,
  expectAllowed,
  expectRefused,
  makeBundle,
  makeResidence,
  newShareCode,
  prepare,
  refusal,
  send,
  type Probe,
} from '../fixtures/harness/authz/probe.ts';
import type { OpName } from '../fixtures/harness/document/operations.ts';
import { responseFor } from '../fixtures/harness/document/spec.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { runId } from '../fixtures/harness/run.ts';
import { recordSecretsForFinalScan } from '../fixtures/harness/secrets/log-leak-scan.ts';

// ------------------------------------------------------------------ the table

/** What a cell says: the answer, and the rules a test of that cell proves. */
type Answer =
  | '2xx'
  | '401 unauthorized'
  | '403 forbidden'
  | '404 not_found'
  | '400 details.<field>'
  | '409 conflict'
  | '200 joins';
interface Cell {
  answer: Answer;
  rules: string[];
}

const allowed = (...rules: string[]): Cell => ({ answer: '2xx', rules });
const forbidden = (...rules: string[]): Cell => ({
  answer: '403 forbidden',
  rules: [...rules, 's1.error.forbidden'],
});
const notFound = (...rules: string[]): Cell => ({ answer: '404 not_found', rules });
/** §1: a body or query naming what the caller cannot see → 400 `details.<field>`. */
const invisible = (...rules: string[]): Cell => ({ answer: '400 details.<field>', rules });
const conflict = (...rules: string[]): Cell => ({
  answer: '409 conflict',
  rules: [...rules, 's1.error.conflict'],
});
const joins = (...rules: string[]): Cell => ({ answer: '200 joins', rules });

interface Row {
  /** The row as the contract words it. */
  contract: string;
  /** The operations of the operation map the row covers. */
  ops: OpName[];
  owner: Cell;
  member: Cell;
  'anyone else': Cell;
  /** Join only: anyone else with a code never issued. */
  'code never issued'?: Cell;
}

// prettier-ignore
const TABLE: Row[] = [
  // §4 (GET and POST /api/residences/ are about the caller's own residences: no row to refuse)
  { contract: 'GET /api/residences/{id}/',
    ops: ['getResidence'],
    owner: allowed('s4.get.owner'),        member: allowed('s4.get.member'),          'anyone else': notFound('s4.get.other') },
  { contract: 'PATCH /api/residences/{id}/',
    ops: ['updateResidence'],
    owner: allowed('s4.patch.owner'),      member: forbidden('s4.patch.member'),      'anyone else': notFound('s4.patch.other') },
  { contract: 'DELETE /api/residences/{id}/',
    ops: ['deleteResidence'],
    owner: allowed('s4.delete.owner'),     member: forbidden('s4.delete.member'),     'anyone else': notFound('s4.delete.other') },
  { contract: 'POST /api/residences/{id}/share-code/',
    ops: ['createShareCode'],
    owner: allowed('s4.share-code.owner'), member: forbidden('s4.share-code.member'), 'anyone else': notFound('s4.share-code.other') },
  { contract: 'POST /api/residences/join/ {code}: owner or member joining again → 409; unknown code → 404',
    ops: ['joinResidence'],
    owner: conflict('s4.join.owner-again'), member: conflict('s4.join.member-again'), 'anyone else': joins('s4.join.ok'),
    'code never issued': notFound('s4.join.unknown-code') },
  { contract: 'GET /api/residences/{id}/users/',
    ops: ['listResidenceUsers'],
    owner: allowed('s4.users.owner'),      member: allowed('s4.users.member'),        'anyone else': notFound('s4.users.other') },
  { contract: 'DELETE /api/residences/{id}/users/{user_id}/',
    ops: ['removeResidenceUser'],
    owner: allowed('s4.remove.owner'),     member: forbidden('s4.remove.member'),     'anyone else': notFound('s4.remove.other') },
  // §5: owner and members may do all of it; anyone else → 404 by id, 400 when a body names a residence they cannot see
  { contract: '§5 a task by id: read/patch/delete /api/tasks/{id}/, its lifecycle actions',
    ops: ['getTask', 'updateTask', 'deleteTask', 'markInProgress', 'cancelTask', 'uncancelTask', 'archiveTask', 'unarchiveTask', 'quickCompleteTask'],
    owner: allowed('s5.access.owner'),     member: allowed('s5.access.member'),       'anyone else': notFound('s5.access.other-by-id') },
  { contract: '§5.2 a completion by id (and its images)',
    ops: ['getCompletion', 'deleteCompletion', 'uploadCompletionImage'],
    owner: allowed('s5.access.owner'),     member: allowed('s5.access.member'),       'anyone else': notFound('s5.access.other-by-id') },
  { contract: '§5 POST /api/tasks/ {residence_id}',
    ops: ['createTask'],
    owner: allowed('s5.access.owner'),     member: allowed('s5.access.member'),       'anyone else': invisible('s1.invisible.residence', 's5.access.other-residence-in-body') },
  { contract: '§5.3 the tasks of a residence (?residence_id=)',
    ops: ['listTasks', 'listArchivedTasks'],
    owner: allowed('s5.access.owner'),     member: allowed('s5.access.member'),       'anyone else': invisible('s1.invisible.residence') },
  { contract: '§5.2 the completions of a task ({task_id})',
    ops: ['createCompletion', 'listCompletions'],
    owner: allowed('s5.access.owner'),     member: allowed('s5.access.member'),       'anyone else': invisible('s1.invisible.task') },
  // §7: access follows the parent residence: owner and members read and write; anyone else 404
  { contract: '§7 a document or media file by id',
    ops: ['getDocument', 'updateDocument', 'deleteDocument', 'getDocumentFile', 'getCompletionImageFile'],
    owner: allowed('s7.access.owner'),     member: allowed('s7.access.member'),       'anyone else': notFound('s7.access.other') },
  { contract: '§7 the documents of a residence ({residence_id})',
    ops: ['listDocuments', 'createDocument'],
    owner: allowed('s7.access.owner'),     member: allowed('s7.access.member'),       'anyone else': invisible('s1.invisible.residence') },
];

/** Every row, for a caller without a token (§1). */
const NO_TOKEN: Cell = {
  answer: '401 unauthorized',
  rules: ['s1.auth.missing', 's1.error.unauthorized'],
};
/** A removed member is anyone else, and proves this too (§4). */
const REMOVED = 's4.removed.loses-access';

const rowNaming = (name: OpName): Row => TABLE.find((r) => r.ops.includes(name))!;

/**
 * The row of a classified operation: the row naming it, else its resource's row (by id → 404,
 * by body or query → 400); where the document declares 403 on an operation the contract does
 * not name, the member is refused.
 */
function rowOf(c: Classified): Row {
  const named = c.name === null ? undefined : TABLE.find((r) => r.ops.includes(c.name!));
  if (named) return named;
  if (c.scope === 'share-code') return rowNaming('joinResidence');
  const byId = rowNaming(c.documentOrMedia ? 'getDocument' : 'getTask');
  const row: Row =
    c.scope === 'path'
      ? byId
      : {
          ...byId,
          'anyone else':
            c.refs[0].name === 'task_id'
              ? rowNaming('createCompletion')['anyone else']
              : rowNaming('listTasks')['anyone else'],
        };
  return !c.known && c.declares403 ? { ...row, member: forbidden(...row.member.rules) } : row;
}

// ------------------------------------------------------------------ the tests

const { map, allOps, scoped, unclassifiable } = classifyDocument();

afterAll(() => recordSecretsForFinalScan());

describe('authz matrix: every residence-scoped operation of the document', () => {
  it('classifies every operation of the document (an unknown kind fails by name)', () => {
    const lines = unclassifiable.map((u) => `${u.label}: ${u.why}`);
    expect(lines, `operations the authz matrix cannot classify:\n${lines.join('\n')}`).toEqual([]);
  });

  it('finds every residence-scoped operation the operation map names', () => {
    const expected = TABLE.flatMap((r) => r.ops);
    const found = new Set(scoped.map((c) => c.name));
    const present = expected.filter((n) => map.resolved.has(n));
    expect(present.filter((n) => !found.has(n))).toEqual([]);
  });

  it('documents 403 (exactly, as 4XX or as default) on every §4 owner-only operation', () => {
    const ownerOnly = TABLE.filter((r) => r.member.answer === '403 forbidden').flatMap(
      (r) => r.ops,
    );
    const lacking = ownerOnly
      .filter((n) => map.resolved.has(n))
      .filter((n) => !responseFor(map.resolved.get(n)!.op, 403));
    expect(lacking).toEqual([]);
  });
});

for (const c of scoped) {
  const row = rowOf(c);
  describe(`${c.label}`, () => {
    const p = { c, allOps } as Probe;
    const other = row['anyone else'];

    beforeAll(async () => {
      p.a = await actors();
      p.b = await makeBundle(p.a.owner, await makeResidence(p.a));
      await prepare(c, p.b, p.a, allOps);
    });

    if (c.secured) {
      it(`anonymous gets 401 and nothing changes`, async () => {
        proves(...NO_TOKEN.rules);
        await expectRefused(p, anonymous, (res) => expectError(res, 401, 'unauthorized'));
      });
    }

    if (other.answer === '200 joins') {
      const unknownCode = row['code never issued']!;
      for (const who of ['stranger', 'removed'] as const) {
        const title = who === 'removed' ? 'a removed member' : 'a stranger';
        it(`${title} joining with a code never issued gets 404 and nothing changes`, async () => {
          proves(...unknownCode.rules);
          await expectRefused(
            p,
            p.a[who],
            (res) => expectError(res, 404, 'not_found'),
            buildRequest(c, p.b, p.a, `Q${runId}`.slice(0, 6).toUpperCase()),
          );
        });
      }
      for (const who of ['owner', 'member'] as const) {
        it(`the ${who} joining again with a valid code gets 409 conflict and nothing changes`, async () => {
          proves(...row[who].rules);
          const code = await newShareCode(p);
          await expectRefused(
            p,
            p.a[who],
            (res) => expectError(res, 409, 'conflict'),
            buildRequest(c, p.b, p.a, code),
          );
        });
      }
      it('a stranger with a valid code joins and gets the residence', async () => {
        proves(...other.rules);
        const code = await newShareCode(p);
        const res = await send(c, buildRequest(c, p.b, p.a, code), p.a.stranger);
        if (res.status !== 200)
          throw refusal(res, 'a stranger with a valid share code must join (200)');
        expect(res.body.id).toBe(p.b.residence.id);
      });
      return;
    }

    for (const who of ['stranger', 'removed'] as const) {
      const title = who === 'removed' ? 'a removed member' : 'a stranger';
      const field = c.refs[0]?.name;
      const answer = other.answer === '404 not_found' ? '404 not_found' : `400 details.${field}`;
      it(`${title} gets ${answer}, nothing changes, nothing foreign is disclosed`, async () => {
        proves(...other.rules, ...(who === 'removed' ? [REMOVED] : []));
        await expectRefused(p, p.a[who], (res) => {
          if (other.answer === '404 not_found') expectError(res, 404, 'not_found');
          else expectDetail(res, field);
        });
      });
    }

    if (row.member.answer === '403 forbidden') {
      it('a member gets 403 forbidden (owner-only) and nothing changes', async () => {
        proves(...row.member.rules);
        await expectRefused(p, p.a.member, (res) => expectError(res, 403, 'forbidden'));
      });
    }

    const allowedCallers = (['member', 'owner'] as const).filter((w) => row[w].answer === '2xx');
    for (const who of allowedCallers) {
      it(`the ${who} is allowed (2xx)`, async () => {
        proves(...row[who].rules);
        await expectAllowed(p, who);
      });
    }
  });
}
