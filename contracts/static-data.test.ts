/**
 * §8 static data and §10's If-None-Match convention: GET /api/static_data/ needs no token,
 * answers the five lookup lists (frequencies with their intervals, §5.2), sends an ETag, and
 * answers 304 without a body to an If-None-Match that matches it (RFC 9110: `*`, any tag of a
 * list, weak comparison).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { api, expectStatus } from '../fixtures/harness/client/client.ts';
import type { ApiResponse } from '../fixtures/harness/client/client.ts';
import { describeOp, requireOps } from '../fixtures/harness/document/operations.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { FREQUENCY_NAMES, INTERVALS } from '../fixtures/oracles/next-due-date.ts';

const LISTS = [
  'residence_types',
  'task_categories',
  'task_priorities',
  'task_frequencies',
  'document_types',
] as const;

/**
 * No interval of this kind: absent, null or 0. §5.2's intervals come from the oracle's table;
 * `once` and `custom` have no fixed one, and how they say so is the implementation's.
 */
const none = (v: unknown) => v === undefined || v === null || v === 0;

/** An ETag (RFC 9110 entity-tag): optional `W/` then a quoted opaque tag. */
const ENTITY_TAG = /^(W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/;

/** The opaque part of an entity tag, without `W/` (weak comparison looks only at it). */
const opaque = (tag: string) => tag.replace(/^W\//, '');

requireOps('getStaticData')(`${describeOp('getStaticData')} (§8)`, () => {
  let first: ApiResponse;
  let etag = '';
  beforeAll(async () => {
    first = expectStatus(await api.call('getStaticData', { as: null }), 200);
    etag = first.headers['etag'] ?? '';
  });

  it('answers 200 with the data to a request without a token', async () => {
    proves('s8.no-token');
    const res = await api.call('getStaticData', { as: null });
    expectStatus(res, 200);
    for (const list of LISTS) expect(Array.isArray(res.body[list]), list).toBe(true);
    expect(res.body.task_frequencies.length).toBeGreaterThan(0);
  });

  it('answers the five lookup lists, each a list of {id, name} with distinct positive ids', () => {
    proves('s8.shape');
    // lists beyond these five are the implementation's (§12)
    expect(Object.keys(first.body)).toEqual(expect.arrayContaining([...LISTS]));
    for (const list of LISTS) {
      const items = first.body[list] as { id: unknown; name: unknown }[];
      expect(Array.isArray(items), list).toBe(true);
      expect(items.length, `${list} is empty`).toBeGreaterThan(0);
      for (const item of items) {
        expect(Number.isSafeInteger(item.id) && (item.id as number) >= 1, `${list} id`).toBe(true);
        expect(typeof item.name, `${list} name`).toBe('string');
      }
      expect(new Set(items.map((i) => i.id)).size, `${list}: duplicate ids`).toBe(items.length);
    }
  });

  it('lists every frequency of §5.2 with its interval in days or in calendar months', () => {
    proves('s8.frequency-intervals');
    const items = first.body.task_frequencies as {
      name: string;
      interval_days?: number | null;
      interval_months?: number | null;
    }[];
    const byName = new Map(items.map((f) => [f.name, f]));
    for (const name of FREQUENCY_NAMES) {
      const want: { days?: number; months?: number } =
        name === 'custom' ? {} : (INTERVALS[name] ?? {});
      const f = byName.get(name);
      expect(f, `frequency ${name}`).toBeDefined();
      if (want.days !== undefined) {
        expect(f!.interval_days, `${name} interval_days`).toBe(want.days);
        expect(none(f!.interval_months), `${name} has no interval_months`).toBe(true);
      }
      if (want.months !== undefined) {
        expect(f!.interval_months, `${name} interval_months`).toBe(want.months);
        expect(none(f!.interval_days), `${name} has no interval_days`).toBe(true);
      }
    }
  });

  it('sends an ETag (an RFC 9110 entity-tag)', () => {
    proves('s8.etag');
    expect(etag).toMatch(ENTITY_TAG);
    expect(first.body.task_frequencies.length).toBeGreaterThan(0);
  });

  it('answers the same data on every read', async () => {
    proves('s8.etag');
    const again = expectStatus(await api.call('getStaticData', { as: null }), 200);
    expect(again.body).toEqual(first.body);
  });

  it('sends an ETag with every 200', async () => {
    proves('s8.etag');
    const again = expectStatus(await api.call('getStaticData', { as: null }), 200);
    // whether the tag itself is reproduced is the implementation's (§12): it is an RFC 9110 tag
    expect(again.headers['etag']).toMatch(ENTITY_TAG);
  });

  async function conditional(ifNoneMatch: string): Promise<ApiResponse> {
    return api.call('getStaticData', { as: null, headers: { 'If-None-Match': ifNoneMatch } });
  }

  function expectNotModified(res: ApiResponse): void {
    expectStatus(res, 304);
    expect(res.bytes.length, 'a 304 has no body').toBe(0);
  }

  it('answers 304 without a body to If-None-Match with its ETag', async () => {
    proves('s8.if-none-match');
    expectNotModified(await conditional(etag));
  });

  it('answers 200 with the data to If-None-Match with another tag', async () => {
    proves('s8.if-none-match');
    const other = `"${opaque(etag).slice(1, -1)}-other"`;
    const res = expectStatus(await conditional(other), 200);
    expect(res.body).toEqual(first.body);
  });

  it('answers 304 without a body to If-None-Match: *', async () => {
    proves('s10.inm.star');
    expectNotModified(await conditional('*'));
  });

  it('answers 304 without a body to If-None-Match listing other tags and its ETag', async () => {
    proves('s10.inm.list');
    expectNotModified(await conditional(`"casera-not-it-1", W/"casera-not-it-2", ${etag}`));
  });

  it('answers 304 to If-None-Match listing its ETag first, then other tags', async () => {
    proves('s10.inm.list');
    expectNotModified(await conditional(`${etag},"casera-not-it-3"`));
  });

  it('answers 200 to If-None-Match listing only tags that do not match', async () => {
    proves('s10.inm.list');
    const res = expectStatus(await conditional('"casera-not-it-1", W/"casera-not-it-2"'), 200);
    expect(res.body).toEqual(first.body);
  });

  it('answers 304 to If-None-Match with the weak form of its ETag (weak comparison)', async () => {
    proves('s10.inm.weak');
    expectNotModified(await conditional(`W/${opaque(etag)}`));
  });

  it('answers 304 to If-None-Match with the strong form of its ETag (weak comparison)', async () => {
    proves('s10.inm.weak');
    expectNotModified(await conditional(opaque(etag)));
  });
});

requireOps('getStaticData')(
  `${describeOp('getStaticData')} honours If-None-Match (§8, §10)`,
  () => {
    let etag = '';
    beforeAll(async () => {
      const res = expectStatus(await api.call('getStaticData'), 200);
      etag = res.headers['etag'] ?? '';
    });

    it('sends an ETag', () => {
      proves('s8.etag');
      expect(etag).toMatch(/^(W\/)?"[^"]*"$/);
    });

    const variants: [string, (e: string) => string, string][] = [
      ['its own ETag', (e) => e, 's8.if-none-match'],
      ['the weak form of its ETag', (e) => (e.startsWith('W/') ? e : `W/${e}`), 's10.inm.weak'],
      ['*', () => '*', 's10.inm.star'],
      ['a list containing its ETag', (e) => `"nope", ${e}`, 's10.inm.list'],
    ];
    for (const [what, make, rule] of variants) {
      it(`answers 304 without a body to If-None-Match: ${what}`, async () => {
        proves(rule);
        const res = await api.call('getStaticData', { headers: { 'If-None-Match': make(etag) } });
        expectStatus(res, 304);
        expect(res.bytes.length).toBe(0);
      });
    }

    it('answers 200 with the data to an If-None-Match that does not match', async () => {
      proves('s8.if-none-match');
      const res = await api.call('getStaticData', {
        headers: { 'If-None-Match': '"certainly-not-it"' },
      });
      expectStatus(res, 200);
      expect(res.body.task_frequencies.length).toBeGreaterThan(0);
    });
  },
);
