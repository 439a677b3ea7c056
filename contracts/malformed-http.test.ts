/**
 * §1 "Error body, for every 4xx" and §11 "Every response carries X-Request-ID", for requests the
 * target's HTTP parser refuses before any route sees them: a Content-Length next to a
 * Transfer-Encoding, a Content-Length that is no number, a body longer than its Content-Length
 * (the surplus bytes read as a malformed next request). Sent over a raw socket, since no HTTP
 * client sends such requests. Every answer on the socket must be a 4xx with the contract's Error
 * body and an X-Request-ID; no 5xx; a closed socket without any answer is also accepted (a
 * parser may hang up), but an answer in another shape is not.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { api } from '../fixtures/harness/client/client.ts';
import { mustProvided } from '../fixtures/harness/run/context.ts';
import { hasOp } from '../fixtures/harness/document/operations.ts';
import { proves } from '../fixtures/harness/rules.ts';

const ERROR_CODES = new Set([
  'validation_error',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'invalid_transition',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
]);
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Send raw bytes, read until the target closes the socket (or 5 s), split into HTTP answers. */
function sendRaw(bytes: string): Promise<{ raw: string; answers: RawAnswer[] }> {
  const url = new URL(mustProvided('caseraUrl'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(url.port || 80), url.hostname.replace(/^\[|\]$/g, ''));
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      resolve({ raw, answers: parseAnswers(raw) });
    };
    const timer = setTimeout(done, 5_000);
    socket.on('connect', () => socket.write(bytes, 'latin1'));
    socket.on('data', (d) => chunks.push(d));
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', (e) => {
      clearTimeout(timer);
      if (chunks.length) done();
      else reject(e);
    });
  });
}

function parseAnswers(raw: string): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let rest = raw;
  while (rest.startsWith('HTTP/')) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const len = Number(headers['content-length'] ?? '0');
    const body = rest.slice(end + 4, end + 4 + len);
    answers.push({ status: Number(statusLine.split(' ')[1]), headers, body });
    rest = rest.slice(end + 4 + len);
  }
  return answers;
}

function expectContractError(a: RawAnswer, raw: string): void {
  const where = `raw answer:\n${raw.slice(0, 600)}`;
  expect(a.status, where).toBeGreaterThanOrEqual(400);
  expect(a.status, where).toBeLessThan(500);
  expect(a.headers['content-type'] ?? '', where).toMatch(/^application\/json/);
  expect(a.headers['x-request-id'] ?? '', where).toMatch(REQUEST_ID);
  let body: { error?: unknown; message?: unknown };
  try {
    body = JSON.parse(a.body) as typeof body;
  } catch {
    throw new Error(`the answer's body is not JSON; ${where}`);
  }
  expect(ERROR_CODES.has(String(body.error)), `error code ${String(body.error)}; ${where}`).toBe(
    true,
  );
  expect(typeof body.message, where).toBe('string');
}

describe.runIf(hasOp('login'))('requests the HTTP parser refuses (§1, §11)', () => {
  const cases: [string, (path: string, host: string) => string][] = [
    [
      'Content-Length beside Transfer-Encoding: chunked',
      (p, h) =>
        `POST ${p} HTTP/1.1\r\nHost: ${h}\r\nContent-Type: application/json\r\n` +
        'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    [
      'a Content-Length that is not a number',
      (p, h) =>
        `POST ${p} HTTP/1.1\r\nHost: ${h}\r\nContent-Type: application/json\r\n` +
        'Content-Length: 1x\r\n\r\n{}',
    ],
    [
      'a body longer than its Content-Length',
      (p, h) =>
        `POST ${p} HTTP/1.1\r\nHost: ${h}\r\nContent-Type: application/json\r\n` +
        'Content-Length: 2\r\n\r\n{}\u0001 not an HTTP request\r\n\r\n',
    ],
  ];
  for (const [what, make] of cases) {
    it(`${what}: every answer is a 4xx Error body with X-Request-ID`, async () => {
      proves('s1.error.body-shape', 's1.no-5xx', 's11.request-id.present');
      const op = api.op('login');
      const host = new URL(mustProvided('caseraUrl')).host;
      const { raw, answers } = await sendRaw(make(op.path, host));
      // the target may hang up without a word; what it does say must be in the contract's shape
      expect(raw === '' || answers.length > 0, `unparsable answer:\n${raw.slice(0, 600)}`).toBe(
        true,
      );
      for (const a of answers) expectContractError(a, raw);
    });
  }
});
