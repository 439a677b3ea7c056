/**
 * Residences and sharing (§4): one owner and any number of members, the residence list, share
 * codes, removing users and the cascade of a deleted residence to its tasks. Each test builds
 * its own residences from fresh users.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { api, expectError, expectStatus } from '../fixtures/harness/client/client.ts';
import type { Actor } from '../fixtures/harness/actors.ts';
import {
  addMember,
  complete,
  newResidence,
  newTask,
  newUser,
  staticIds,
} from '../fixtures/harness/factories.ts';
import { recordSecretsForFinalScan } from '../fixtures/harness/secrets/log-leak-scan.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { tagged } from '../fixtures/harness/run.ts';
import { requireOps } from '../fixtures/harness/document/operations.ts';
import { FACTORY_OPS } from '../fixtures/harness/factories.ts';

/** The operations this file calls: a document without one skips its tests by name (printed). */
const suite = requireOps(
  ...FACTORY_OPS.user,
  ...FACTORY_OPS.residence,
  ...FACTORY_OPS.member,
  ...FACTORY_OPS.task,
  ...FACTORY_OPS.completion,
  'archiveTask',
  'cancelTask',
  'deleteResidence',
  'getResidence',
  'getTask',
  'listArchivedTasks',
  'listResidenceUsers',
  'listResidences',
  'listTasks',
  'removeResidenceUser',
);

afterAll(() => recordSecretsForFinalScan());

/** What §4 says a residence user is: a user (its `id`); any other field is the target's choice. */
type ResidenceUser = { id: number };

async function usersOf(as: Actor, residenceId: number): Promise<ResidenceUser[]> {
  const res = expectStatus(
    await api.call('listResidenceUsers', { as, path: { id: residenceId } }),
    200,
  );
  expect(Array.isArray(res.body)).toBe(true);
  return res.body;
}

async function residenceIds(as: Actor): Promise<number[]> {
  const res = expectStatus(await api.call('listResidences', { as }), 200);
  expect(Array.isArray(res.body)).toBe(true);
  return res.body.map((r: { id: number }) => r.id);
}

/**
 * Who owns a residence, told by what §4 lets only the owner do: create a share code (201 for the
 * owner, 403 for a member). The contract lists no owner field, so ownership is observed, not read.
 */
async function expectOwnerRights(residenceId: number, owner: Actor, members: Actor[]) {
  expectStatus(await api.call('createShareCode', { as: owner, path: { id: residenceId } }), 201);
  for (const m of members) {
    expectError(
      await api.call('createShareCode', { as: m, path: { id: residenceId } }),
      403,
      'forbidden',
    );
  }
}

/** Every task id of the actor's kanban (all columns) and archived list. */
async function visibleTaskIds(as: Actor): Promise<number[]> {
  const board = expectStatus(await api.call('listTasks', { as }), 200).body;
  const archived = expectStatus(await api.call('listArchivedTasks', { as }), 200).body;
  return [
    ...board.columns.flatMap((c: { tasks: { id: number }[] }) => c.tasks.map((t) => t.id)),
    ...archived.map((t: { id: number }) => t.id),
  ];
}

suite('one owner, any number of members', () => {
  it('four users join one residence: it lists one owner and four members, each reads it', async () => {
    proves('s4.many-members');
    const owner = await newUser({ name: 'owner' });
    const members = await Promise.all([1, 2, 3, 4].map((i) => newUser({ name: `member${i}` })));
    const residence = await newResidence(owner);
    for (const m of members) await addMember(residence, owner, m);
    const users = await usersOf(owner, residence.id);
    // the list is the owner and the members (§4), each once
    expect(users.map((u) => u.id).sort((a, b) => a - b)).toEqual(
      [owner.id, ...members.map((m) => m.id)].sort((a, b) => a - b),
    );
    for (const m of members) {
      const got = expectStatus(
        await api.call('getResidence', { as: m, path: { id: residence.id } }),
        200,
      ).body;
      expect(got.id).toBe(residence.id);
    }
    // one owner: the creator keeps the owner's rights, every member has a member's
    await expectOwnerRights(residence.id, owner, members);
  });
});

suite('GET /api/residences/', () => {
  it('lists the residences the caller owns and those it joined, as a plain array', async () => {
    proves('s4.list.owned-and-joined');
    const [user, other] = await Promise.all([
      newUser({ name: 'lister' }),
      newUser({ name: 'other-owner' }),
    ]);
    const owned = await newResidence(user);
    const owned2 = await newResidence(user);
    const joined = await newResidence(other);
    const notJoined = await newResidence(other);
    await addMember(joined, other, user);
    const ids = await residenceIds(user);
    expect([...ids].sort((a, b) => a - b)).toEqual(
      [owned.id, owned2.id, joined.id].sort((a, b) => a - b),
    );
    expect(ids).not.toContain(notJoined.id);
  });
});

suite('share codes', () => {
  it('every share code is 6 characters [A-Z0-9]', async () => {
    proves('s4.share-code.format');
    const owner = await newUser({ name: 'sharer' });
    const residence = await newResidence(owner);
    const codes: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      const res = expectStatus(
        await api.call('createShareCode', { as: owner, path: { id: residence.id } }),
        201,
      );
      expect(res.body.code).toMatch(/^[A-Z0-9]{6}$/);
      codes.push(res.body.code);
    }
    // each code issued is one that joins (it is a code, not a label)
    const joiner = await newUser({ name: 'joiner' });
    expectStatus(await api.call('joinResidence', { as: joiner, body: { code: codes[7] } }), 200);
  });
});

suite('DELETE /api/residences/{id}/users/{user_id}/', () => {
  it('the owner removing the owner → 400, the owner stays owner', async () => {
    proves('s4.remove.the-owner');
    const [owner, member] = await Promise.all([
      newUser({ name: 'owner' }),
      newUser({ name: 'member' }),
    ]);
    const residence = await newResidence(owner);
    await addMember(residence, owner, member);
    const res = await api.call('removeResidenceUser', {
      as: owner,
      path: { id: residence.id, user_id: owner.id },
    });
    expectError(res, 400, 'validation_error');
    const users = await usersOf(owner, residence.id);
    expect(users.map((u) => u.id).sort((a, b) => a - b)).toEqual(
      [owner.id, member.id].sort((a, b) => a - b),
    );
    await expectOwnerRights(residence.id, owner, [member]);
  });
});

suite('DELETE /api/residences/{id}/ cascades', () => {
  it('to its tasks (active, completed, cancelled and archived): 404 by id, gone from every list', async () => {
    proves('s4.delete.cascade-tasks');
    const [owner, member] = await Promise.all([
      newUser({ name: 'owner' }),
      newUser({ name: 'member' }),
    ]);
    const ids = await staticIds();
    const residence = await newResidence(owner);
    const kept = await newResidence(owner);
    await addMember(residence, owner, member);
    const active = await newTask(owner, residence, { title: tagged('cascade active') });
    const done = await newTask(member, residence, { title: tagged('cascade done') });
    await complete(member, done);
    const weekly = await newTask(owner, residence, {
      title: tagged('cascade weekly'),
      frequency_id: ids.task_frequencies.weekly,
    });
    const cancelled = await newTask(owner, residence, { title: tagged('cascade cancelled') });
    expectStatus(await api.call('cancelTask', { as: owner, path: { id: cancelled.id } }), 200);
    const archived = await newTask(owner, residence, { title: tagged('cascade archived') });
    expectStatus(await api.call('archiveTask', { as: owner, path: { id: archived.id } }), 200);
    const survivor = await newTask(owner, kept, { title: tagged('cascade survivor') });
    const doomed = [active.id, done.id, weekly.id, cancelled.id, archived.id];
    // control: all of them are visible before the delete
    const before = await visibleTaskIds(owner);
    for (const id of [...doomed, survivor.id]) expect(before).toContain(id);

    expectStatus(await api.call('deleteResidence', { as: owner, path: { id: residence.id } }), 204);

    for (const id of doomed) {
      for (const as of [owner, member]) {
        expectError(await api.call('getTask', { as, path: { id } }), 404, 'not_found');
      }
    }
    for (const as of [owner, member]) {
      const after = await visibleTaskIds(as);
      for (const id of doomed) expect(after).not.toContain(id);
    }
    // another residence of the same owner keeps its task
    const left = expectStatus(
      await api.call('getTask', { as: owner, path: { id: survivor.id } }),
      200,
    ).body;
    expect(left.residence_id).toBe(kept.id);
  });
});
