/**
 * Body smuggling (§1, §4, §5, §7): a body naming a residence, task or user the caller cannot
 * see is refused exactly as if it did not exist, and nothing is stored anywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  expectDetail,
  expectError,
  expectStatus,
  type ApiResponse,
} from '../fixtures/harness/client/client.ts';
import {
  complete,
  newTask,
  onceFrequencyId,
  world,
  type World,
} from '../fixtures/harness/factories.ts';
import type { Actor } from '../fixtures/harness/actors.ts';
import { recordSecretsForFinalScan } from '../fixtures/harness/secrets/log-leak-scan.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { runId, tagged } from '../fixtures/harness/run.ts';
import { itNeeds, requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS, WORLD_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...WORLD_OPS,
  ...FACTORY_OPS.task,
  ...FACTORY_OPS.completion,
  'getTask',
  'listArchivedTasks',
  'listCompletions',
  'listTasks',
  'quickCompleteTask',
  'updateTask',
);
/** Tests that also need uploadCompletionImage, getCompletion: skipped by name (printed) without them. */
const imagesIt = itNeeds('uploadCompletionImage', 'getCompletion');
/** Tests that also need createDocument, getDocument, listDocuments, updateDocument: skipped by name (printed) without them. */
const docsIt = itNeeds('createDocument', 'getDocument', 'listDocuments', 'updateDocument');

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const PDF = Buffer.from(`%PDF-1.4\n% ${runId} smuggling\ntrailer<<>>\n%%EOF\n`);

let w: World;
/** A task, a completion and a document in the stranger's residence. */
let foreignTask: { id: number };
let foreignCompletion: { id: number };
let ownTask: { id: number; residence_id: number };
/** Static data's `once` frequency: a task body names it (the contract states no default). */
let once: number;

beforeAll(async () => {
  if (!suite.ok) return;
  w = await world();
  once = await onceFrequencyId();
  foreignTask = await newTask(w.stranger, w.foreign, { title: tagged('foreign task') });
  const recurring = await newTask(w.stranger, w.foreign, { title: tagged('foreign recurring') });
  foreignCompletion = await complete(w.stranger, recurring);
  ownTask = await newTask(w.owner, w.residence, { title: tagged('own task') });
});

afterAll(() => recordSecretsForFinalScan());

/** Every task id the actor's kanban shows for a residence (all columns, plus archived). */
async function taskIds(as: Actor, residenceId: number): Promise<number[]> {
  const board = expectStatus(
    await api.call('listTasks', { as, query: { residence_id: residenceId } }),
    200,
  ).body;
  const archived = expectStatus(
    await api.call('listArchivedTasks', { as, query: { residence_id: residenceId } }),
    200,
  ).body;
  const ids: number[] = board.columns.flatMap((c: { tasks: { id: number }[] }) =>
    c.tasks.map((t) => t.id),
  );
  return [...ids, ...archived.map((t: { id: number }) => t.id)].sort((a, b) => a - b);
}

async function documentIds(as: Actor, residenceId: number): Promise<number[]> {
  const page = expectStatus(
    await api.call('listDocuments', { as, query: { residence_id: residenceId, page_size: 100 } }),
    200,
  ).body;
  return page.results.map((d: { id: number }) => d.id);
}

async function completionsOf(as: Actor, taskId: number): Promise<unknown[]> {
  return expectStatus(
    await api.call('listCompletions', { as, query: { task_id: taskId, page_size: 100 } }),
    200,
  ).body.results;
}

/** The owner's full read of their own task (before/after a refused write). */
async function ownTaskAsOwner(): Promise<unknown> {
  return expectStatus(await api.call('getTask', { as: w.owner, path: { id: ownTask.id } }), 200)
    .body;
}

/** A name the caller cannot see: 400 with details.<field> (§1). */
function refused(res: ApiResponse, field: string): void {
  expectDetail(res, field);
}

/** A rule broken with names the caller can see: §5 fixes 400, never the details. */
function invalid(res: ApiResponse): void {
  expectError(res, 400, 'validation_error');
}

/**
 * No image on the completion, where the target's answer lists its images: §7 defines no such
 * field, so against a target without one the refusal's status is the whole check.
 */
function expectNoImagesListed(completion: Record<string, unknown>): void {
  if (Array.isArray(completion.images)) expect(completion.images).toEqual([]);
}

suite('body smuggling: a foreign residence_id, task_id or assigned_to_id stores nothing', () => {
  it('creating a task in a foreign residence → 400 details.residence_id, nothing stored there', async () => {
    proves('s5.access.other-residence-in-body', 's1.invisible.residence');
    const before = await taskIds(w.stranger, w.foreign.id);
    const res = await api.call('createTask', {
      as: w.owner,
      body: { residence_id: w.foreign.id, title: tagged('smuggled task'), frequency_id: once },
    });
    refused(res, 'residence_id');
    expect(await taskIds(w.stranger, w.foreign.id)).toEqual(before);
  });

  it('creating a task assigned to a user outside the residence → 400 details.assigned_to_id, nothing stored', async () => {
    proves('s5.assignee.other', 's1.invisible.user');
    const before = await taskIds(w.owner, w.residence.id);
    const res = await api.call('createTask', {
      as: w.owner,
      body: {
        residence_id: w.residence.id,
        title: tagged('smuggled assignee'),
        frequency_id: once,
        assigned_to_id: w.stranger.id,
      },
    });
    refused(res, 'assigned_to_id');
    expect(await taskIds(w.owner, w.residence.id)).toEqual(before);
  });

  it('creating a task assigned to a removed member → 400, nothing stored', async () => {
    proves('s5.assignee.other');
    const before = await taskIds(w.owner, w.residence.id);
    const res = await api.call('createTask', {
      as: w.owner,
      body: {
        residence_id: w.residence.id,
        title: tagged('assigned to removed'),
        frequency_id: once,
        assigned_to_id: w.removed.id,
      },
    });
    // §5: not the owner or a member → 400; whether the owner still "sees" a user it removed is
    // not fixed, so neither are the details
    invalid(res);
    expect(await taskIds(w.owner, w.residence.id)).toEqual(before);
  });

  it("moving one's own task into a foreign residence → 400 details.residence_id, the task stays", async () => {
    proves('s5.access.other-residence-in-body', 's1.invisible.residence');
    const foreignBefore = await taskIds(w.stranger, w.foreign.id);
    const before = await ownTaskAsOwner();
    const res = await api.call('updateTask', {
      as: w.owner,
      path: { id: ownTask.id },
      body: { residence_id: w.foreign.id },
    });
    refused(res, 'residence_id');
    const after = await ownTaskAsOwner();
    expect(after).toEqual(before);
    expect(await taskIds(w.stranger, w.foreign.id)).toEqual(foreignBefore);
  });

  it('patching a task to a foreign assignee → 400 details.assigned_to_id, the task unchanged', async () => {
    proves('s5.assignee.other');
    const before = await ownTaskAsOwner();
    const res = await api.call('updateTask', {
      as: w.owner,
      path: { id: ownTask.id },
      body: { assigned_to_id: w.stranger.id },
    });
    refused(res, 'assigned_to_id');
    const after = await ownTaskAsOwner();
    expect(after).toEqual(before);
  });

  it('a member moving a shared task into a residence they cannot see → 400 details.residence_id, the task stays', async () => {
    proves('s5.access.other-residence-in-body');
    const task = await newTask(w.member, w.residence, { title: tagged('member task') });
    const res = await api.call('updateTask', {
      as: w.member,
      path: { id: task.id },
      body: { residence_id: w.foreign.id },
    });
    refused(res, 'residence_id');
    const after = expectStatus(
      await api.call('getTask', { as: w.owner, path: { id: task.id } }),
      200,
    ).body;
    expect(after.residence_id).toBe(w.residence.id);
  });

  it('completing a foreign task → 400 details.task_id, no completion stored', async () => {
    proves('s1.invisible.task');
    const before = await completionsOf(w.stranger, foreignTask.id);
    const res = await api.call('createCompletion', {
      as: w.owner,
      body: { task_id: foreignTask.id, notes: tagged('smuggled completion') },
    });
    refused(res, 'task_id');
    expect(await completionsOf(w.stranger, foreignTask.id)).toEqual(before);
    const task = expectStatus(
      await api.call('getTask', { as: w.stranger, path: { id: foreignTask.id } }),
      200,
    ).body;
    expect(task.completion_count).toBe(0);
  });

  it('quick-completing a foreign task → 404, no completion stored', async () => {
    proves('s5.access.other-by-id');
    const res = await api.call('quickCompleteTask', { as: w.owner, path: { id: foreignTask.id } });
    expectStatus(res, 404);
    expect(await completionsOf(w.stranger, foreignTask.id)).toEqual([]);
  });

  docsIt(
    'uploading a document into a foreign residence → 400 details.residence_id, nothing stored',
    async () => {
      proves('s1.invisible.residence', 's7.access.other');
      const before = await documentIds(w.stranger, w.foreign.id);
      const res = await api.call('createDocument', {
        as: w.owner,
        multipart: {
          fields: {
            residence_id: w.foreign.id,
            title: tagged('smuggled doc'),
            document_type: 'other',
          },
          files: {
            file: {
              content: PDF,
              filename: `smuggled-${runId}.pdf`,
              contentType: 'application/pdf',
            },
          },
        },
      });
      refused(res, 'residence_id');
      expect(await documentIds(w.stranger, w.foreign.id)).toEqual(before);
    },
  );

  docsIt(
    'patching a document with a residence_id → 400, the document stays where it is',
    async () => {
      proves('s10.unknown-body');
      const doc = expectStatus(
        await api.call('createDocument', {
          as: w.owner,
          multipart: {
            fields: {
              residence_id: w.residence.id,
              title: tagged('own doc'),
              document_type: 'manual',
            },
            files: {
              file: { content: PDF, filename: `own-${runId}.pdf`, contentType: 'application/pdf' },
            },
          },
        }),
        201,
      ).body;
      const res = await api.call('updateDocument', {
        as: w.owner,
        path: { id: doc.id },
        body: { residence_id: w.foreign.id },
      });
      expectStatus(res, 400);
      const after = expectStatus(
        await api.call('getDocument', { as: w.owner, path: { id: doc.id } }),
        200,
      ).body;
      expect(after).toEqual(doc);
      expect(await documentIds(w.stranger, w.foreign.id)).not.toContain(doc.id);
    },
  );

  imagesIt('attaching an image to a foreign completion → 404, no image stored', async () => {
    proves('s7.access.other');
    const res = await api.call('uploadCompletionImage', {
      as: w.owner,
      path: { id: foreignCompletion.id },
      multipart: {
        files: {
          image: { content: PNG, filename: `smuggled-${runId}.png`, contentType: 'image/png' },
        },
      },
    });
    expectStatus(res, 404);
    const c = expectStatus(
      await api.call('getCompletion', { as: w.stranger, path: { id: foreignCompletion.id } }),
      200,
    ).body;
    expectNoImagesListed(c);
  });

  imagesIt(
    'an image upload smuggling a foreign completion_id field → 400, no image stored on either',
    async () => {
      proves('s10.unknown-body');
      const own = await complete(
        w.owner,
        await newTask(w.owner, w.residence, { title: tagged('img host') }),
      );
      const res = await api.call('uploadCompletionImage', {
        as: w.owner,
        path: { id: own.id },
        multipart: {
          fields: { completion_id: foreignCompletion.id },
          files: {
            image: { content: PNG, filename: `smuggled-${runId}.png`, contentType: 'image/png' },
          },
        },
      });
      expectStatus(res, 400);
      const foreign = expectStatus(
        await api.call('getCompletion', { as: w.stranger, path: { id: foreignCompletion.id } }),
        200,
      ).body;
      expectNoImagesListed(foreign);
      const mine = expectStatus(
        await api.call('getCompletion', { as: w.owner, path: { id: own.id } }),
        200,
      ).body;
      expectNoImagesListed(mine);
    },
  );

  it('a removed member creating a task in the residence they left → 400 details.residence_id, nothing stored', async () => {
    proves('s4.removed.loses-access', 's1.invisible.residence');
    const before = await taskIds(w.owner, w.residence.id);
    const res = await api.call('createTask', {
      as: w.removed,
      body: { residence_id: w.residence.id, title: tagged('by removed'), frequency_id: once },
    });
    refused(res, 'residence_id');
    expect(await taskIds(w.owner, w.residence.id)).toEqual(before);
  });
});
