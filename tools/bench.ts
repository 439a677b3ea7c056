/**
 * npm run bench [-- --suites contracts,lifecycle] [--duration 10] [--skip-suites] [--skip-ceiling]
 *
 * Measures, against the embedded reference target:
 *  - each suite's wall time, requests sent, requests/s and the peak memory (RSS) of the suite's process tree;
 *  - the target's own ceiling with autocannon on its cheapest endpoint (GET /api/static_data/) and its hottest
 *    (the kanban, GET /api/tasks/, with 40 tasks), so each suite's distance to that limit shows as a ratio.
 *  - with --spot-check: a spot-check session over the fault catalog at 2 jobs (wall time, median and p90
 *    time-to-kill, the kill table's tiers), and with --spot-before also the same faults with the previous
 *    runner (--cold: a new vitest and a target process for every run, the baseline first), and with
 *    --spot-untiered the oldest way (--no-tiers: each fault's whole suites); the machine's load beside
 *    the figures.
 * Prints a table and writes reports/bench.md and reports/bench.json. Never a pass/fail gate.
 *
 * npm run bench -- --skip-suites --skip-ceiling --spot-check [--spot-before] [--spot-untiered] [--spot-faults a,b]
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { start } from '../fixtures/reference-api/start.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const REPORTS = path.join(ROOT, 'reports');
const WORK = path.join(ROOT, '.tmp/bench');

const { values: args } = parseArgs({
  options: {
    suites: { type: 'string', default: 'contracts,lifecycle,properties,authz' },
    duration: { type: 'string', default: '10' },
    'skip-suites': { type: 'boolean', default: false },
    'skip-ceiling': { type: 'boolean', default: false },
    'spot-check': { type: 'boolean', default: false },
    'spot-before': { type: 'boolean', default: false },
    'spot-untiered': { type: 'boolean', default: false },
    'spot-faults': { type: 'string' },
    'spot-jobs': { type: 'string', default: '2' },
  },
});

interface SuiteFigure {
  suite: string;
  wallSeconds: number;
  requests: number;
  requestsPerSecond: number;
  peakRssMiB: number;
  exitCode: number;
}
interface CeilingFigure {
  endpoint: string;
  requestsPerSecond: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

/** Sum of RSS over a process and all its descendants, in KiB (Linux /proc). */
async function treeRssKiB(rootPid: number): Promise<number> {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      const status = await readFile(`/proc/${entry}/status`, 'utf8');
      const m = /VmRSS:\s+(\d+)/.exec(status);
      rss.set(Number(entry), m ? Number(m[1]) : 0);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* the process ended meanwhile */
    }
  }
  let total = 0;
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop()!;
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** Requests the target served so far: its access lines ("request completed", one per request, §11). */
async function servedRequests(logFile: string): Promise<number> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.includes('"msg":"request completed"')).length;
}

async function benchSuite(suite: string, url: string, logFile: string): Promise<SuiteFigure> {
  const reportsDir = path.join(WORK, suite);
  await rm(reportsDir, { recursive: true, force: true });
  await mkdir(reportsDir, { recursive: true });
  const servedBefore = await servedRequests(logFile);
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/vitest/vitest.mjs'),
      'run',
      `--project=${suite}`,
      '--reporter=dot',
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        CASERA_API_URL: url,
        CASERA_LOG_FILE: logFile,
        CASERA_REPORTS_DIR: reportsDir,
        CASERA_RULE_GATE: 'off',
      },
    },
  );
  let peak = 0;
  const sampler = setInterval(() => {
    void treeRssKiB(child.pid!).then((kib) => (peak = Math.max(peak, kib)));
  }, 200);
  const exitCode: number = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  clearInterval(sampler);
  const wallSeconds = (Date.now() - started) / 1000;
  // the target's log is flushed asynchronously: give it a moment before counting
  await new Promise((r) => setTimeout(r, 500));
  const requests = (await servedRequests(logFile)) - servedBefore;
  return {
    suite,
    wallSeconds,
    requests,
    requestsPerSecond: requests / wallSeconds,
    peakRssMiB: peak / 1024,
    exitCode,
  };
}

async function json(url: string, method: string, body?: unknown, token?: string): Promise<any> {
  const res = await fetch(url, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Token ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 400) throw new Error(`${method} ${url} → ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

/** A user with a residence and 40 tasks spread over the kanban columns, made through the API. */
async function seedKanban(base: string): Promise<string> {
  const name = `bench_${Date.now().toString(36)}`;
  const { token } = await json(`${base}/api/auth/register/`, 'POST', {
    username: name,
    email: `${name}@example.test`,
    password: 'bench-password-1',
  });
  await json(
    `${base}/api/auth/verify-email/`,
    'POST',
    { code: process.env.CASERA_TEST_CODE ?? '123456' },
    token,
  );
  const residence = await json(
    `${base}/api/residences/`,
    'POST',
    { name: `[bench] ${name}` },
    token,
  );
  const today = new Date();
  for (let i = 0; i < 40; i++) {
    const due = new Date(today.getTime() + (i - 10) * 86_400_000).toISOString().slice(0, 10);
    await json(
      `${base}/api/tasks/`,
      'POST',
      { residence_id: residence.id, title: `bench task ${i}`, due_date: due },
      token,
    );
  }
  return token;
}

async function ceiling(
  url: string,
  endpoint: string,
  headers: Record<string, string>,
  duration: number,
): Promise<CeilingFigure> {
  const result = await autocannon({ url: `${url}${endpoint}`, connections: 20, duration, headers });
  return {
    endpoint,
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

interface SpotFigure {
  mode: string;
  faults: number;
  killed: number;
  byRuleTests: number;
  byFullRun: number;
  survived: number;
  errors: number;
  wallSeconds: number;
  medianSecondsToKill: number | null;
  p90SecondsToKill: number | null;
  /** 1-minute load average at the start and the end, and the cores. */
  loadBefore: number;
  loadAfter: number;
  cores: number;
  command: string;
}

type SpotMode = 'now' | 'cold' | 'untiered';
const SPOT_MODES: Record<SpotMode, { label: string; flags: string[] }> = {
  now: { label: 'tiered, warm (after)', flags: [] },
  cold: { label: 'tiered, cold (before: --cold)', flags: ['--cold'] },
  untiered: { label: 'untiered (--no-tiers)', flags: ['--no-tiers', '--cold'] },
};

/** One spot-check session through its own CLI; reads its kill report back. */
async function benchSpotCheck(mode: SpotMode): Promise<SpotFigure> {
  const out = `bench-spot-check-${mode}`;
  const cli = [
    '--jobs',
    args['spot-jobs']!,
    '--out',
    out,
    ...(args['spot-faults'] ? ['--faults', args['spot-faults']] : []),
    ...SPOT_MODES[mode].flags,
  ];
  const command = `npm run spot-check -- ${cli.join(' ')}`;
  console.log(`[bench] ${command}`);
  const loadBefore = os.loadavg()[0];
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'tools/spot-check/run.ts'), ...cli],
    { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  await new Promise((resolve) => child.on('exit', resolve));
  const wall = (Date.now() - started) / 1000;
  const report = JSON.parse(await readFile(path.join(REPORTS, `${out}.json`), 'utf8')) as {
    total: number;
    killed: number;
    byTier: { rules: number; full: number; survived: number; error: number };
    medianSecondsToKill: number | null;
    p90SecondsToKill: number | null;
  };
  return {
    mode: SPOT_MODES[mode].label,
    faults: report.total,
    killed: report.killed,
    byRuleTests: report.byTier.rules,
    byFullRun: report.byTier.full,
    survived: report.byTier.survived,
    errors: report.byTier.error,
    wallSeconds: wall,
    medianSecondsToKill: report.medianSecondsToKill,
    p90SecondsToKill: report.p90SecondsToKill,
    loadBefore,
    loadAfter: os.loadavg()[0],
    cores: os.availableParallelism(),
    command,
  };
}

function renderSpot(spots: SpotFigure[]): string {
  if (!spots.length) return '';
  const f = (n: number | null) => (n == null ? '-' : n.toFixed(1));
  return [
    '',
    '## Spot-check sessions',
    '',
    '| mode | faults | killed (rule tests / full run) | survived | errors | wall s | median s to kill | p90 s to kill | load (1 min) start → end, cores |',
    '|---|---|---|---|---|---|---|---|---|',
    ...spots.map(
      (s) =>
        `| ${s.mode} | ${s.faults} | ${s.killed} (${s.byRuleTests} / ${s.byFullRun}) | ${s.survived} | ${s.errors} | ${f(s.wallSeconds)} | ${f(s.medianSecondsToKill)} | ${f(s.p90SecondsToKill)} | ${s.loadBefore.toFixed(1)} → ${s.loadAfter.toFixed(1)}, ${s.cores} |`,
    ),
    '',
    ...spots.map((s) => `- ${s.mode}: \`${s.command}\``),
    '',
  ].join('\n');
}

function render(suites: SuiteFigure[], ceilings: CeilingFigure[]): string {
  const hottest = ceilings.find((c) => c.endpoint.startsWith('GET /api/tasks/'));
  const lines = ['# Benchmark (embedded reference target)', ''];
  if (ceilings.length) {
    lines.push(
      '| target endpoint | requests/s | p99 ms | errors | non-2xx |',
      '|---|---|---|---|---|',
    );
    for (const c of ceilings)
      lines.push(
        `| ${c.endpoint} | ${c.requestsPerSecond.toFixed(0)} | ${c.p99Ms} | ${c.errors} | ${c.non2xx} |`,
      );
    lines.push('');
  }
  if (suites.length) {
    lines.push(
      '| suite | wall s | requests | requests/s | peak RSS MiB | share of hottest-endpoint ceiling | exit |',
      '|---|---|---|---|---|---|---|',
    );
    for (const s of suites) {
      const ratio = hottest
        ? `${((100 * s.requestsPerSecond) / hottest.requestsPerSecond).toFixed(1)} %`
        : '-';
      lines.push(
        `| ${s.suite} | ${s.wallSeconds.toFixed(1)} | ${s.requests} | ${s.requestsPerSecond.toFixed(0)} | ${s.peakRssMiB.toFixed(0)} | ${ratio} | ${s.exitCode} |`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  await mkdir(WORK, { recursive: true });
  const logFile = path.join(WORK, 'target.log');
  const suites: SuiteFigure[] = [];
  const ceilings: CeilingFigure[] = [];
  const spots: SpotFigure[] = [];
  let bootSeconds: number | null = null;
  if (!args['skip-ceiling'] || !args['skip-suites']) {
    const bootStarted = Date.now();
    const target = await start({ logFile });
    bootSeconds = (Date.now() - bootStarted) / 1000;
    console.log(`[bench] reference target up at ${target.url} in ${bootSeconds.toFixed(2)} s`);
    await benchTarget(target, suites, ceilings, logFile);
  }
  if (args['spot-check']) {
    if (args['spot-untiered']) spots.push(await benchSpotCheck('untiered'));
    if (args['spot-before']) spots.push(await benchSpotCheck('cold'));
    spots.push(await benchSpotCheck('now'));
  }
  const md =
    render(suites, ceilings) +
    (bootSeconds != null
      ? `\nTarget start-up: ${bootSeconds.toFixed(2)} s to the listening line.\n`
      : '') +
    renderSpot(spots);
  console.log('\n' + md);
  await mkdir(REPORTS, { recursive: true });
  await writeFile(path.join(REPORTS, 'bench.md'), md);
  await writeFile(
    path.join(REPORTS, 'bench.json'),
    JSON.stringify({ bootSeconds, ceilings, suites, spotChecks: spots }, null, 2) + '\n',
  );
}

async function benchTarget(
  target: Awaited<ReturnType<typeof start>>,
  suites: SuiteFigure[],
  ceilings: CeilingFigure[],
  logFile: string,
): Promise<void> {
  try {
    if (!args['skip-ceiling']) {
      const duration = Number(args.duration);
      ceilings.push(await ceiling(target.url, '/api/static_data/', {}, duration));
      const token = await seedKanban(target.url);
      const hot = await ceiling(
        target.url,
        '/api/tasks/',
        { authorization: `Token ${token}` },
        duration,
      );
      ceilings.push({ ...hot, endpoint: 'GET /api/tasks/ (kanban, 40 tasks)' });
      ceilings[0].endpoint = 'GET /api/static_data/';
    }
    if (!args['skip-suites']) {
      for (const suite of args.suites!.split(',').filter(Boolean)) {
        console.log(`[bench] running ${suite} …`);
        suites.push(await benchSuite(suite, target.url, logFile));
      }
    }
  } finally {
    await target.close();
  }
}

await main();
