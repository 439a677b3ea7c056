import { describe, expect, it } from 'vitest';
import { setRunEnv } from './warm-vitest.ts';

describe('the warm vitest of a job slot', () => {
  it("each run's environment is the session's plus the run's: nothing of an earlier run stays", () => {
    const base = { PATH: '/bin', CASERA_RULE_GATE: 'off' };
    const live: NodeJS.ProcessEnv = { ...base };
    setRunEnv(live, base, { CASERA_API_URL: 'http://127.0.0.1:1', CASERA_RULE_GATE: 'on' });
    // what the global setup hands its workers
    live.CASERA_RUN_FILE = '/tmp/created-a.jsonl';
    setRunEnv(live, base, { CASERA_API_URL: 'http://127.0.0.1:2' });
    expect(live).toEqual({
      PATH: '/bin',
      CASERA_RULE_GATE: 'off',
      CASERA_API_URL: 'http://127.0.0.1:2',
    });
  });
});
