/**
 * Writes the reference document in one of the named document styles (tools/spec-styles/): each a
 * realistic way another team writes the same contract. `npm run styles` runs the whole suite
 * against each (tools/run-styles.ts).
 *
 * Usage:
 *   tsx tools/transform-spec.ts --style <name> [--out file]   one style (default .tmp/styles/<name>.<ext>)
 *   tsx tools/transform-spec.ts --all                         every style into .tmp/styles/
 *   tsx tools/transform-spec.ts --defective [--out file]      the defective unit-test document
 *   tsx tools/transform-spec.ts --list                        the styles and what each covers
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildStyle,
  defectiveDocument,
  serialize,
  STYLES,
  styleNamed,
} from './spec-styles/index.ts';
import type { DocumentStyle } from './spec-styles/index.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
export const STYLES_DIR = path.join(ROOT, '.tmp/styles');

export function styleFile(style: DocumentStyle, dir = STYLES_DIR): string {
  return path.join(dir, `${style.name}.${style.format}`);
}

/** Build, validate and write one style's document; answers the file written. */
export async function writeStyle(style: DocumentStyle, out = styleFile(style)): Promise<string> {
  const doc = await buildStyle(style);
  const format = out.endsWith('.json') ? 'json' : 'yaml';
  await mkdir(path.dirname(path.resolve(out)), { recursive: true });
  await writeFile(out, serialize(doc, format));
  return path.resolve(out);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      style: { type: 'string' },
      out: { type: 'string' },
      all: { type: 'boolean' },
      defective: { type: 'boolean' },
      list: { type: 'boolean' },
    },
  });
  if (values.list) {
    for (const s of STYLES)
      console.log(`${s.name} (${s.format}): ${s.summary}\n  - ${s.constructs.join('\n  - ')}`);
    return;
  }
  if (values.defective) {
    const out = path.resolve(values.out ?? path.join(STYLES_DIR, 'defective.yaml'));
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, serialize(defectiveDocument(), out.endsWith('.json') ? 'json' : 'yaml'));
    console.log(`[transform-spec] defective → ${out}`);
    return;
  }
  const styles = values.all ? STYLES : values.style ? [styleNamed(values.style)] : [];
  if (styles.length === 0) {
    throw new Error(
      'usage: tsx tools/transform-spec.ts --style <name> [--out file] | --all | --defective | --list',
    );
  }
  if (values.out && styles.length > 1) throw new Error('--out takes one --style');
  for (const s of styles) {
    const file = await writeStyle(s, values.out ?? styleFile(s));
    console.log(
      `[transform-spec] ${s.name} → ${path.relative(process.cwd(), file)} (${s.summary})`,
    );
  }
}

if (process.argv[1] && import.meta.filename === path.resolve(process.argv[1])) await main();
