/**
 * What a target boot costs: a process (start() of fixtures/reference-api/start.ts) vs the target
 * host (hosted-target.ts), N boots each of the unpatched reference target, each boot followed by
 * the first answer (what the runner waits for) and a close. A measurement, not a test:
 *
 *   nice -n 15 npx tsx tools/spot-check/host-bench.ts [--boots 20] [--mode both|process|host]
 *   nice -n 15 npx tsx tools/spot-check/host-bench.ts --memory 70     (RSS of one host after 1, 20, … boots)
 *
 * CPU: for a process, the children's CPU the kernel reports once they are reaped
 * (/proc/self/stat cutime + cstime); for the host, the host process's own CPU.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { start } from '../../fixtures/reference-api/start.ts';
import { REFERENCE_DIR } from './apply-fault.ts';
import { TargetHost } from './hosted-target.ts';

const { values: args } = parseArgs({
  options: {
    boots: { type: 'string', default: '20' },
    mode: { type: 'string', default: 'both' },
    memory: { type: 'string' },
  },
});
const boots = Number(args.boots);
const logDir = mkdtempSync(path.join(tmpdir(), 'casera-host-bench-'));

/** CPU ms of this process's reaped children (Linux). */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields from state (3rd): cutime is the 16th field of the line, cstime the 17th
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

async function firstAnswer(url: string): Promise<void> {
  const res = await fetch(`${url}/api/static_data/`);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`static_data answered ${res.status}`);
}

function summary(label: string, wall: number[], cpu: number[]): string {
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const med = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const f = (x: number) => `${Math.round(x)}`;
  return (
    `${label.padEnd(8)} ${wall.length} boots: wall median ${f(med(wall))} ms (mean ${f(mean(wall))}, ` +
    `min ${f(sorted(wall)[0])}, max ${f(sorted(wall).at(-1)!)}); CPU per boot mean ${f(mean(cpu))} ms`
  );
}

async function benchProcess(): Promise<string> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < boots; i++) {
    const c0 = childrenCpuMs();
    const t0 = performance.now();
    const t = await start({ dir: REFERENCE_DIR, logFile: path.join(logDir, `process-${i}.log`) });
    await firstAnswer(t.url);
    wall.push(performance.now() - t0);
    await t.close();
    cpu.push(childrenCpuMs() - c0);
  }
  return summary('process', wall, cpu);
}

async function benchHost(): Promise<string> {
  const t0 = performance.now();
  const host = await TargetHost.start({ recycleAfter: Infinity });
  const startMs = performance.now() - t0;
  const startCpu = (await host.stats()).cpuMs;
  const wall: number[] = [];
  const cpu: number[] = [];
  try {
    for (let i = 0; i < boots; i++) {
      const c0 = (await host.stats()).cpuMs;
      const t1 = performance.now();
      const t = await host.boot({
        dir: REFERENCE_DIR,
        logFile: path.join(logDir, `host-${i}.log`),
      });
      await firstAnswer(t.url);
      wall.push(performance.now() - t1);
      await t.close();
      cpu.push((await host.stats()).cpuMs - c0);
    }
  } finally {
    await host.stop();
  }
  return (
    summary('host', wall, cpu) +
    `\n         (once per host: start ${Math.round(startMs)} ms wall, ${Math.round(startCpu)} ms CPU)`
  );
}

async function benchMemory(n: number): Promise<void> {
  const host = await TargetHost.start({ recycleAfter: Infinity, execArgv: ['--expose-gc'] });
  const mb = (x: number) => `${Math.round(x / 1e6)} MB`;
  const marks = new Set([1, 10, 20, 40, n]);
  try {
    const s0 = await host.stats(true);
    console.log(
      `after 0 boots: rss ${mb(s0.rss)} heap ${mb(s0.heapUsed)} external ${mb(s0.external)}`,
    );
    for (let i = 1; i <= n; i++) {
      const t = await host.boot({ dir: REFERENCE_DIR, logFile: path.join(logDir, `mem.log`) });
      await firstAnswer(t.url);
      await t.close();
      if (marks.has(i)) {
        const s = await host.stats(true);
        console.log(
          `after ${i} boots: rss ${mb(s.rss)} heap ${mb(s.heapUsed)} external ${mb(s.external)} arrayBuffers ${mb(s.arrayBuffers)}`,
        );
      }
    }
  } finally {
    await host.stop();
  }
}

if (args.memory) {
  await benchMemory(Number(args.memory));
} else {
  const lines: string[] = [];
  if (args.mode === 'both' || args.mode === 'process') lines.push(await benchProcess());
  if (args.mode === 'both' || args.mode === 'host') lines.push(await benchHost());
  console.log(lines.join('\n'));
}
