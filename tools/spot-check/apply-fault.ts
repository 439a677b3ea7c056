import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Fault } from './fault.ts';

export const REFERENCE_DIR = path.resolve(import.meta.dirname, '../../fixtures/reference-api');
/** Copies live inside the package so the copy resolves the package's node_modules. */
export const WORK_DIR = path.resolve(import.meta.dirname, '../../.tmp/spot-check');

export class StaleFaultError extends Error {}

/** Applies one fault's edits to source text; each `find` must occur exactly once. */
export function applyEdits(fault: Fault, file: string, source: string): string {
  let out = source;
  for (const edit of fault.edits.filter((e) => e.file === file)) {
    const first = out.indexOf(edit.find);
    if (first < 0 || out.indexOf(edit.find, first + 1) >= 0) {
      throw new StaleFaultError(
        `fault ${fault.id}: the text to replace occurs ${first < 0 ? 'nowhere' : 'more than once'} in ${file}; update the catalog entry`,
      );
    }
    out = out.slice(0, first) + edit.replace + out.slice(first + edit.find.length);
  }
  return out;
}

/**
 * Copies the reference target to a fresh folder and plants the fault there. Returns the copy's
 * folder. The runner passes one folder per job slot (`slot-1`, `slot-2`): tsx caches a file's
 * transform by path and text, so a copy at a path used before boots from that cache for every
 * file the fault does not touch (a new path per fault made every boot transform the whole target).
 */
export async function prepareFaultyCopy(
  fault: Fault,
  dir: string = path.join(WORK_DIR, fault.id),
): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await cp(REFERENCE_DIR, dir, { recursive: true });
  for (const file of new Set(fault.edits.map((e) => e.file))) {
    const full = path.join(dir, file);
    const source = await readFile(full, 'utf8').catch(() => {
      throw new StaleFaultError(`fault ${fault.id}: ${file} does not exist in the target`);
    });
    await writeFile(full, applyEdits(fault, file, source));
  }
  return dir;
}
