/**
 * The log-leak scanner itself (fixtures/harness/leaks.ts): it must find a secret in every
 * encoding a log line could carry it, and must never flag a 6-digit code's digits inside a
 * timestamp, a pid, a port, a duration or a path id (zero false positives).
 */
import { describe, expect, it } from 'vitest';
import { findLeaks, foreignLeaks, needlesOf } from '../fixtures/harness/leaks.ts';
import { lineTimeMs, parseLogLines } from '../fixtures/harness/logs.ts';
import type { Secret } from '../fixtures/harness/secrets.ts';

const password: Secret = { value: 'Cnry-abc123-0f1e2d3c4b-pw9!', kind: 'password' };
const code: Secret = { value: '123456', kind: 'code' };
const share: Secret = { value: 'AB12CD', kind: 'share_code' };

const leaks = (line: string, s: Secret) => findLeaks(parseLogLines(line), [s]);
const json = (o: unknown): string => JSON.stringify(o);

describe('long secrets are found in any encoding', () => {
  const body = json({ username: 'u', password: password.value });
  const cases: [string, string][] = [
    ['plain', json({ msg: 'login', body: password.value })],
    ['JSON-escaped inside a string', json({ msg: 'raw body', raw: body })],
    ['JSON-escaped twice', json({ msg: 'x', raw: json({ inner: body }) })],
    ['URL-encoded', `POST /x?password=${encodeURIComponent(password.value)}`],
    ['strict URL-encoded (%21)', json({ url: `/x?p=${password.value.replace('!', '%21')}` })],
    ['form-encoded', json({ form: `username=u&password=${encodeURIComponent(password.value)}` })],
  ];
  for (const [name, line] of cases) {
    it(`finds a password ${name}`, () => {
      expect(leaks(line, password).length).toBe(1);
    });
  }

  it('finds a password inside a base64 / base64url body at every byte offset', () => {
    for (let pre = 0; pre < 3; pre += 1) {
      for (const enc of ['base64', 'base64url'] as const) {
        const b64 = Buffer.from('x'.repeat(pre) + body + 'tail').toString(enc);
        expect(leaks(json({ msg: 'body', b: b64 }), password).length, `${enc} offset ${pre}`).toBe(
          1,
        );
      }
    }
  });

  it('masks the secret in the message naming the line', () => {
    const [leak] = leaks(json({ msg: 'login', password: password.value }), password);
    expect(leak.masked).not.toContain(password.value);
    expect(leak.line.n).toBe(1);
  });

  it('has distinct needles for each encoding', () => {
    expect(new Set(needlesOf(password.value).map((n) => n.text)).size).toBe(
      needlesOf(password.value).length,
    );
  });
});

describe('a 6-digit code counts only where it is a code', () => {
  const leaked: string[] = [
    json({ msg: 'x', body: { code: '123456' } }),
    json({ msg: 'x', body: { code: 123456 } }),
    json({ msg: 'x', raw: '{"code":"123456"}' }),
    json({ msg: 'verify failed for code 123456' }),
    'POST /api/auth/verify-email/?code=123456 400',
    json({ msg: 'x', url: '/verify?code%3D123456' }),
    json({ msg: 'x', b: Buffer.from('{"email":"a@b.test","code":"123456"}').toString('base64') }),
  ];
  for (const line of leaked) {
    it(`flags ${line.slice(0, 70)}`, () => {
      expect(leaks(line, code).length).toBe(1);
    });
  }

  const clean: string[] = [
    json({ level: 30, time: 1732555123456, pid: 123456, msg: 'request completed' }),
    json({ time: '2026-11-25T17:00:00.123456Z', msg: 'x' }),
    json({
      msg: 'request completed',
      route: '/tasks/123456/', // a route of the log line's own (no target route is named here)
      status: 200,
      duration_ms: 123456,
    }),
    json({ msg: 'listening', url: 'http://127.0.0.1:12345' }),
    json({ msg: 'x', size: '1234567', sha256: 'ab123456cd' }),
    json({ msg: 'x', request_id: 'req-0a1234567b' }),
    'took 123456 ms',
  ];
  for (const line of clean) {
    it(`does not flag ${line.slice(0, 70)}`, () => {
      expect(leaks(line, code)).toEqual([]);
    });
  }
});

describe('share codes count as whole tokens', () => {
  it('flags a share code as a value', () => {
    expect(leaks(json({ msg: 'join', code: 'AB12CD' }), share).length).toBe(1);
  });
  it('does not flag the letters inside a longer token', () => {
    expect(leaks(json({ id: 'XAB12CDY' }), share)).toEqual([]);
  });
});

describe('foreign data in an answer', () => {
  const foreign = { ids: { user: [7], task: [9, 12], residence: [3] }, strings: ['Secret Title'] };

  it('flags a foreign title and a foreign id under a key of its kind, not an id the request sent', () => {
    const found = foreignLeaks(
      { error: 'not_found', message: 'no task', owner_id: 7, task_id: 9 },
      '{"message":"Secret Title"}',
      foreign,
      [9],
    );
    expect(found).toEqual(['"Secret Title"', 'user id 7 (in "owner_id")']);
  });

  it('compares ids by kind: a residence id equal to a foreign task id is no disclosure', () => {
    expect(
      foreignLeaks([{ id: 12, owner_id: 3 }], '', { ...foreign, idKind: 'residence' }),
    ).toEqual([]);
  });

  it('a bare id takes the kind of its collection', () => {
    const body = { columns: [{ name: 'upcoming', tasks: [{ id: 12, residence_id: 3 }] }] };
    expect(foreignLeaks(body, '', foreign)).toEqual([
      'task id 12 (in "id")',
      'residence id 3 (in "residence_id")',
    ]);
  });

  it('flags an id after its noun in a message', () => {
    expect(
      foreignLeaks({ message: 'Task #12 belongs to residence 3' }, '', foreign).sort(),
    ).toEqual([
      'residence id 3 (in the text of "message")',
      'task id 12 (in the text of "message")',
    ]);
  });

  it('does not flag numbers that are not ids', () => {
    expect(
      foreignLeaks({ error: 'payload_too_large', message: 'at most 1 MiB', count: 3 }, '', {
        ids: { residence: [1, 3] },
        strings: [],
      }),
    ).toEqual([]);
  });
});

describe('log lines: parsing and timestamps', () => {
  it('reads a docker compose line with its service prefix and timestamp', () => {
    const [line] = parseLogLines(
      'api-1  | 2026-11-25T17:00:00.000000000Z {"msg":"x","request_id":"r1"}',
    );
    expect(line.json).toEqual({ msg: 'x', request_id: 'r1' });
    expect(lineTimeMs(line)).toBe(Date.parse('2026-11-25T17:00:00.000Z'));
  });

  it("takes pino's epoch time (ms or s) and ISO times", () => {
    const [a, b, c] = parseLogLines(
      [
        json({ time: 1795628249523 }),
        json({ time: 1795628249 }),
        json({ timestamp: '2026-11-25T17:00:00Z' }),
      ].join('\n'),
    );
    expect(lineTimeMs(a)).toBe(1795628249523);
    expect(lineTimeMs(b)).toBe(1795628249000);
    expect(lineTimeMs(c)).toBe(Date.parse('2026-11-25T17:00:00Z'));
  });
});
