/**
 * A deliberately DEFECTIVE document for unit tests (not a CI style): the reference document with
 * exactly two defects under the strict OpenAPI 3.0.3 reading, each at a known pointer, so a
 * normaliser can be tested to report exactly those findings (and to take the practical reading:
 * null allowed at both places, so the reference target still conforms).
 *
 * - `nullable: true` with an `enum` that does not list `null` (Task.kanban_column);
 * - `nullable: true` without `type`, beside `allOf` (Subscription.expires_at).
 */
import { loadReference, pointer } from './common.ts';
import type { ExpectedFinding, Obj } from './common.ts';

export const DEFECTIVE_FINDINGS: ExpectedFinding[] = [
  {
    pointer: pointer('components', 'schemas', 'Task', 'properties', 'kanban_column'),
    problem: 'nullable-enum-without-null',
  },
  {
    pointer: pointer('components', 'schemas', 'Subscription', 'properties', 'expires_at'),
    problem: 'nullable-without-type',
  },
];

/** The reference document with the two defects of DEFECTIVE_FINDINGS (still a valid OpenAPI 3.0.3 document). */
export function defectiveDocument(): Obj {
  const doc = loadReference();
  const schemas = doc.components.schemas as Obj;
  const column = schemas.Task.properties.kanban_column;
  column.enum = (column.enum as unknown[]).filter((v) => v !== null);
  schemas.Subscription.properties.expires_at = {
    nullable: true,
    allOf: [{ $ref: '#/components/schemas/Instant' }],
    description: 'When the subscription ends; null when none.',
  };
  return doc;
}
