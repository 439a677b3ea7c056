/**
 * Lists (§1, §4, §5, §7): what an outsider (a stranger, a removed member) lists never holds a
 * foreign id – neither by default nor when the outsider names the foreign residence or task,
 * which is refused with 400 `details.<field>` exactly as if it did not exist. Each check is
 * paired with the owner seeing the same ids, so the absence is meaningful.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  expectDetail,
  expectStatus,
  failureText,
  type ApiResponse,
} from '../fixtures/harness/client/client.ts';
import type { Actor } from '../fixtures/harness/actors.ts';
import { complete, newTask, staticIds, world, type World } from '../fixtures/harness/factories.ts';
import { recordSecretsForFinalScan } from '../fixtures/harness/secrets/log-leak-scan.ts';
import {
  foreignLeaks,
  type ForeignData,
  type IdKind,
} from '../fixtures/harness/secrets/response-disclosure.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { runId, tagged } from '../fixtures/harness/run.ts';
import { hasOp, itNeeds, requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS, WORLD_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...WORLD_OPS,
  ...FACTORY_OPS.task,
  ...FACTORY_OPS.completion,
  'archiveTask',
  'getNotificationSchedule',
  'listArchivedTasks',
  'listCompletions',
  'listResidenceUsers',
  'listResidences',
  'listTasks',
);
/** Tests that also need createDocument, listDocuments: skipped by name (printed) without them. */
const docsIt = itNeeds('createDocument', 'listDocuments');
const docsOk = hasOp('createDocument') && hasOp('listDocuments');

const PDF = Buffer.from(`%PDF-1.4\n% ${runId} lists\ntrailer<<>>\n%%EOF\n`);

let w: World;
const foreign = {
  residence: 0,
  tasks: [] as number[],
  archived: 0,
  completions: [] as number[],
  documents: [] as number[],
  strings: [] as string[],
};

beforeAll(async () => {
  if (!suite.ok) return;
  w = await world();
  const ids = await staticIds();
  foreign.residence = w.residence.id;
  const active = await newTask(w.owner, w.residence, { title: tagged('list active') });
  const due = await newTask(w.owner, w.residence, {
    title: tagged('list due'),
    due_date: new Date().toISOString().slice(0, 10),
  });
  const weekly = await newTask(w.owner, w.residence, {
    title: tagged('list weekly'),
    frequency_id: ids.task_frequencies.weekly,
  });
  const archived = await newTask(w.owner, w.residence, { title: tagged('list archived') });
  expectStatus(await api.call('archiveTask', { as: w.owner, path: { id: archived.id } }), 200);
  const c1 = await complete(w.owner, weekly, { notes: tagged('list completion') });
  const c2 = await complete(w.member, active);
  // a document only where the target documents uploads (else its tests skip by name)
  const doc = docsOk
    ? expectStatus(
        await api.call('createDocument', {
          as: w.owner,
          multipart: {
            fields: {
              residence_id: w.residence.id,
              title: tagged('list document'),
              document_type: 'receipt',
            },
            files: {
              file: { content: PDF, filename: `list-${runId}.pdf`, contentType: 'application/pdf' },
            },
          },
        }),
        201,
      ).body
    : undefined;
  foreign.tasks = [active.id, due.id, weekly.id, archived.id];
  foreign.archived = archived.id;
  foreign.completions = [c1.id, c2.id];
  foreign.documents = doc ? [doc.id] : [];
  foreign.strings = [
    w.residence.name,
    active.title,
    due.title,
    weekly.title,
    archived.title,
    ...(doc ? [doc.title] : []),
  ];
});

afterAll(() => recordSecretsForFinalScan());

function allIds(): ForeignData['ids'] {
  return {
    residence: [foreign.residence],
    task: foreign.tasks,
    completion: foreign.completions,
    document: foreign.documents,
    user: [w.owner.id, w.member.id],
  };
}

/** The foreign ids / names present in a list answer whose items are of `idKind`. */
function disclosed(body: unknown, text: string, idKind: IdKind, sent: number[] = []): string[] {
  return foreignLeaks(body, text, { ids: allIds(), strings: foreign.strings, idKind }, sent);
}

/** §1: no 5xx is ever correct (whatever else the contract leaves open about the answer). */
function expectNotServerError(res: ApiResponse): void {
  expect(res.status, failureText(res, `status ${res.status}`)).toBeLessThan(500);
}

/** Two days back to twenty ahead: the task due today fires task_due_soon in it. */
function scheduleWindow(): { from: string; to: string } {
  return {
    from: new Date(Date.now() - 2 * 86400_000).toISOString(),
    to: new Date(Date.now() + 20 * 86400_000).toISOString(),
  };
}

const outsiders = ['stranger', 'removed'] as const;

suite('lists of an outsider hold no foreign id', () => {
  it("the owner's lists hold every id the outsider checks look for (control)", async () => {
    const res = await api.call('listTasks', {
      as: w.owner,
      query: { residence_id: w.residence.id },
    });
    const text = expectStatus(res, 200).text;
    const archived = expectStatus(await api.call('listArchivedTasks', { as: w.owner }), 200).body;
    expect(disclosed(res.body, text, 'task').length).toBeGreaterThan(0);
    expect(archived.map((t: { id: number }) => t.id)).toContain(foreign.archived);
    if (docsOk) {
      const documents = expectStatus(
        await api.call('listDocuments', { as: w.owner, query: { residence_id: w.residence.id } }),
        200,
      ).body;
      expect(documents.results.map((d: { id: number }) => d.id)).toEqual(foreign.documents);
    }
    const schedule = expectStatus(
      await api.call('getNotificationSchedule', { as: w.owner, query: scheduleWindow() }),
      200,
    ).body;
    expect(schedule.items.map((i: { task_id: number | null }) => i.task_id)).toContain(
      foreign.tasks[1],
    );
  });

  for (const who of outsiders) {
    const label = who === 'stranger' ? 'a stranger' : 'a removed member';
    const actor = (): Actor => w[who];

    it(`${label}'s residence list holds no foreign residence`, async () => {
      proves('s4.list.excludes-others');
      const res = expectStatus(await api.call('listResidences', { as: actor() }), 200);
      expect(res.body.map((r: { id: number }) => r.id)).not.toContain(foreign.residence);
      expect(disclosed(res.body, res.text, 'residence')).toEqual([]);
    });

    it(`${label}'s kanban holds no foreign task`, async () => {
      proves('s5.access.other-by-id');
      const res = expectStatus(await api.call('listTasks', { as: actor() }), 200);
      expect(disclosed(res.body, res.text, 'task')).toEqual([]);
    });

    it(`${label}'s kanban filtered by the foreign residence → 400 details.residence_id, nothing disclosed`, async () => {
      proves('s1.invisible.residence');
      const res = await api.call('listTasks', {
        as: actor(),
        query: { residence_id: foreign.residence },
      });
      expectDetail(res, 'residence_id');
      expect(disclosed(res.body, res.text, 'residence', [foreign.residence])).toEqual([]);
    });

    it(`${label}'s archived list holds no foreign task`, async () => {
      const res = expectStatus(await api.call('listArchivedTasks', { as: actor() }), 200);
      expect(res.body.map((t: { id: number }) => t.id)).not.toContain(foreign.archived);
      expect(disclosed(res.body, res.text, 'task')).toEqual([]);
    });

    it(`${label}'s archived list filtered by the foreign residence → 400 details.residence_id`, async () => {
      proves('s1.invisible.residence');
      const res = await api.call('listArchivedTasks', {
        as: actor(),
        query: { residence_id: foreign.residence },
      });
      expectDetail(res, 'residence_id');
      expect(disclosed(res.body, res.text, 'residence', [foreign.residence])).toEqual([]);
    });

    docsIt(
      `${label}'s document list without its residence_id filter holds no foreign document`,
      async () => {
        proves('s7.access.other');
        // §7 lists documents by residence_id; what the list answers without it is the target's
        // choice (a page of the caller's own, or a 4xx): never a foreign document, never a 5xx
        const res = await api.call('listDocuments', { as: actor(), query: { page_size: 100 } });
        expectNotServerError(res);
        expect(disclosed(res.body, res.text, 'document')).toEqual([]);
      },
    );

    docsIt(
      `${label}'s document list filtered by the foreign residence → 400 details.residence_id`,
      async () => {
        proves('s1.invisible.residence', 's7.access.other');
        const res = await api.call('listDocuments', {
          as: actor(),
          query: { residence_id: foreign.residence },
        });
        expectDetail(res, 'residence_id');
        expect(disclosed(res.body, res.text, 'residence', [foreign.residence])).toEqual([]);
      },
    );

    it(`${label}'s completion list without its task_id filter holds no foreign completion`, async () => {
      // §5.2 lists completions by task_id; without it: the target's choice, never foreign data
      const res = await api.call('listCompletions', { as: actor(), query: { page_size: 100 } });
      expectNotServerError(res);
      expect(disclosed(res.body, res.text, 'completion')).toEqual([]);
    });

    it(`${label}'s completion list filtered by a foreign task → 400 details.task_id`, async () => {
      proves('s1.invisible.task');
      const task = foreign.tasks[2];
      const res = await api.call('listCompletions', { as: actor(), query: { task_id: task } });
      expectDetail(res, 'task_id');
      expect(disclosed(res.body, res.text, 'residence', [task])).toEqual([]);
    });

    it(`${label} listing the foreign residence's members → 404, nothing disclosed`, async () => {
      proves('s4.users.other');
      const res = await api.call('listResidenceUsers', {
        as: actor(),
        path: { id: foreign.residence },
      });
      expectStatus(res, 404);
      const names = [w.owner.username, w.member.username, w.owner.email, w.member.email];
      expect(
        foreignLeaks(
          res.body,
          res.text,
          { ids: { user: [w.owner.id, w.member.id] }, strings: names, idKind: 'user' },
          [foreign.residence],
        ),
      ).toEqual([]);
    });

    it(`${label}'s reminder schedule holds no foreign task`, async () => {
      const res = expectStatus(
        await api.call('getNotificationSchedule', { as: actor(), query: scheduleWindow() }),
        200,
      );
      const taskIds = res.body.items.map((i: { task_id: number | null }) => i.task_id);
      for (const id of foreign.tasks) expect(taskIds).not.toContain(id);
    });
  }
});
