/**
 * The named document styles: each a realistic way another team writes the SAME contract as the
 * reference document (fixtures/reference-api/docs/openapi.yaml). `npm run styles` runs the whole
 * suite against the reference target once per style (tools/run-styles.ts); the CLI
 * tools/transform-spec.ts writes them.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { stringify } from 'yaml';
import { clone } from './common.ts';
import type { DocumentStyle, Obj } from './common.ts';
import { goSwag } from './go-swag.ts';
import { hand31 } from './hand-31.ts';
import { transformed } from './transformed.ts';

export type { DocumentStyle, ExpectedFinding, Obj } from './common.ts';
export { REFERENCE_SPEC, pointer } from './common.ts';
export { DEFECTIVE_FINDINGS, defectiveDocument } from './defective.ts';
export { GO_SWAG_FINDINGS } from './go-swag.ts';

export const STYLES: readonly DocumentStyle[] = [goSwag, hand31, transformed];

export function styleNamed(name: string): DocumentStyle {
  const style = STYLES.find((s) => s.name === name);
  if (!style) {
    throw new Error(
      `[spec-styles] unknown style "${name}"; known: ${STYLES.map((s) => s.name).join(', ')}`,
    );
  }
  return style;
}

/** Build a style's document and prove it is a valid OpenAPI document (swagger-parser). */
export async function buildStyle(style: DocumentStyle): Promise<Obj> {
  const doc = clone(await style.build()); // plain data, no shared objects (no YAML aliases)
  try {
    // validate() dereferences its argument in place: give it a copy
    await SwaggerParser.validate(
      clone(doc) as unknown as Parameters<typeof SwaggerParser.validate>[0],
    );
  } catch (e) {
    throw new Error(
      `[spec-styles] style ${style.name} is not a valid document: ${(e as Error).message}`,
    );
  }
  return doc;
}

/** The text of a document in the style's format. */
export function serialize(doc: Obj, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(doc, null, 2) + '\n' : stringify(doc, { lineWidth: 0 });
}
