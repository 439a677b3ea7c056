/**
 * CASERA_SPOT_PROFILE=1: where a fault's time goes. The runner times its own phases (copy and
 * patch, target boot, each vitest run, close); inside each vitest run the spot-check reporter
 * (failure-reporter.ts) appends timestamped marks to CASERA_SPOT_PROFILE_FILE (config loaded,
 * run start, first file collected, first test, last result, run end). At the end of the session
 * the runner prints the per-phase median and mean over the faults, and writes them to
 * reports/spot-check/profile.json. Off by default: nothing is timed or written.
 */
import { appendFileSync, readFileSync } from 'node:fs';

export const PROFILING = process.env.CASERA_SPOT_PROFILE === '1';

export interface Mark {
  mark: string;
  t: number;
}

/** Appends a mark (epoch ms) to the run's profile file; a no-op unless profiling. */
export function markTo(file: string | undefined, mark: string): void {
  if (!file) return;
  try {
    appendFileSync(file, JSON.stringify({ mark, t: Date.now() }) + '\n');
  } catch {
    // profiling never breaks a run
  }
}

export function readMarks(file: string): Mark[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Mark);
  } catch {
    return [];
  }
}

/** One fault's phases, in seconds, in the order they happened. */
export type Phases = [string, number][];

const sessions: { fault: string; phases: Phases }[] = [];

/** Times phases of one fault: `lap(name)` closes the phase that began at the previous lap. */
export class Stopwatch {
  readonly phases: Phases = [];
  private last = Date.now();
  constructor(private readonly fault: string) {
    if (PROFILING) sessions.push({ fault, phases: this.phases });
  }
  lap(name: string): void {
    const now = Date.now();
    if (PROFILING) this.phases.push([name, (now - this.last) / 1000]);
    this.last = now;
  }
  /**
   * The phases inside one vitest run, from the marks its reporter wrote: `prefix` names the run
   * (tier1, full, confirm), `spawnedAt` the moment the runner spawned vitest, `exitedAt` when it
   * exited. The next lap starts at its exit.
   */
  vitest(prefix: string, marksFile: string, spawnedAt: number, exitedAt: number): void {
    if (!PROFILING) return;
    const marks = readMarks(marksFile);
    // each mark closes the phase named here; 'last-result' counts at its last occurrence
    const labels: Record<string, string> = {
      init: 'vitest start + config',
      'target-ready': 'waiting for the target',
      'run-start': 'to run start',
      collected: 'global setup, worker, first file import',
      'first-test': 'to first test',
      'last-result': 'tests',
      'run-end': 'to run end',
    };
    const points = Object.keys(labels)
      .map((m) => [labels[m], marks.filter((x) => x.mark === m).pop()?.t] as const)
      .filter((p): p is readonly [string, number] => p[1] !== undefined)
      .sort((a, b) => a[1] - b[1]);
    points.push(["teardown (global setup's) + exit", exitedAt]);
    this.phases.push([`${prefix}: before the spawn`, (spawnedAt - this.last) / 1000]);
    let prev = spawnedAt;
    for (const [name, t] of points) {
      if (t === undefined || t < prev) continue;
      this.phases.push([`${prefix}: ${name}`, (t - prev) / 1000]);
      prev = t;
    }
    this.last = exitedAt;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : 0;
}

/** The session's profile: per phase, over the faults that went through it. */
export function profileSummary(): string | null {
  if (!PROFILING || sessions.length === 0) return null;
  const byPhase = new Map<string, number[]>();
  for (const s of sessions) {
    for (const [name, sec] of s.phases) {
      const list = byPhase.get(name) ?? [];
      list.push(sec);
      byPhase.set(name, list);
    }
  }
  const lines = [`phase (over ${sessions.length} fault(s))`.padEnd(44) + '  median    mean     n'];
  for (const [name, xs] of byPhase) {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    lines.push(
      `${name.padEnd(44)} ${median(xs).toFixed(2).padStart(7)} ${mean.toFixed(2).padStart(7)} ${String(xs.length).padStart(5)}`,
    );
  }
  return lines.join('\n');
}

export function profileJson(): unknown {
  return sessions;
}
