/**
 * `go-swag`: OpenAPI 3.0.3 as a Go team's generator writes it (swaggo/swag converted to 3.0, or an
 * oapi-codegen-first document): the same contract as the reference document, but
 *
 * - no operationIds at all (they are optional);
 * - the `/api` base path in `servers` (`url: /api`), paths like `/residences/`;
 * - every JSON response under the media key `application/json; charset=utf-8`;
 * - shared responses inlined into each operation (no components.responses);
 * - schemas under package-qualified names (`models.Task`), the error body as
 *   `httputil.ErrorResponse` = allOf[`httputil.BaseError`, {details}];
 * - `nullable: true` beside `$ref` (sibling form) and beside `allOf`/`oneOf` without a `type`
 *   (the oapi-codegen idiom): under the strict 3.0.3 reading those are document defects, so
 *   this style carries them as expected findings; the practical reading (null allowed) keeps the
 *   style equivalent to the reference document.
 *
 * The error body cannot keep `additionalProperties: false` in 3.0 (it would forbid the other allOf
 * member's `details`), so it is open: looser than the reference, which a correct target still meets.
 */
import {
  inlineResponses,
  loadReference,
  moveBasePathToServers,
  operations,
  pointer,
} from './common.ts';
import { renameMediaKeys, renameSchemas } from './common.ts';
import type { DocumentStyle, ExpectedFinding, Obj } from './common.ts';

const S = '#/components/schemas/';
const ERROR = 'httputil.ErrorResponse';
const BASE_ERROR = 'httputil.BaseError';

/** Where go-swag puts `nullable` with no `type` beside it (strict 3.0.3: a defect; practical: null allowed). */
export const GO_SWAG_FINDINGS: ExpectedFinding[] = [
  // beside allOf / oneOf
  {
    pointer: pointer('components', 'schemas', 'models.Task', 'properties', 'due_date'),
    problem: 'nullable-without-type',
  },
  {
    pointer: pointer('components', 'schemas', 'models.Subscription', 'properties', 'expires_at'),
    problem: 'nullable-without-type',
  },
  {
    pointer: pointer('components', 'schemas', 'models.NullableMoneyInput'),
    problem: 'nullable-without-type',
  },
  // beside $ref (a sibling the strict reading ignores)
  {
    pointer: pointer('components', 'schemas', 'models.Task', 'properties', 'next_due_date'),
    problem: 'nullable-without-type',
  },
  {
    pointer: pointer('components', 'schemas', 'models.Task', 'properties', 'last_completed_at'),
    problem: 'nullable-without-type',
  },
  {
    pointer: pointer('components', 'schemas', 'models.Task', 'properties', 'estimated_cost'),
    problem: 'nullable-without-type',
  },
  {
    pointer: pointer('components', 'schemas', 'models.Completion', 'properties', 'actual_cost'),
    problem: 'nullable-without-type',
  },
];

export function buildGoSwag(): Obj {
  const doc = loadReference();
  for (const { op } of operations(doc)) delete op.operationId;
  moveBasePathToServers(doc, '/api', 'The API base path.');
  inlineResponses(doc);
  renameMediaKeys(doc, 'application/json', 'application/json; charset=utf-8', {
    responses: true,
    requests: false,
  });

  // Package-qualified schema names; the error body under another name, composed with allOf.
  const reference = doc.components.schemas as Obj;
  const names: Record<string, string> = {};
  for (const k of Object.keys(reference)) names[k] = k === 'Error' ? ERROR : `models.${k}`;
  renameSchemas(doc, names);
  const schemas = doc.components.schemas as Obj;
  const error = schemas[ERROR];
  schemas[BASE_ERROR] = {
    type: 'object',
    required: ['error', 'message'],
    properties: { error: error.properties.error, message: error.properties.message },
  };
  schemas[ERROR] = {
    allOf: [
      { $ref: S + BASE_ERROR },
      { type: 'object', properties: { details: error.properties.details } },
    ],
  };

  // nullable beside allOf / oneOf (no type) and beside $ref (sibling).
  const task = schemas['models.Task'].properties;
  task.due_date = { nullable: true, allOf: [{ $ref: S + 'models.Date' }] };
  task.next_due_date = { $ref: S + 'models.Date', nullable: true };
  task.last_completed_at = { $ref: S + 'models.Instant', nullable: true };
  task.estimated_cost = { $ref: S + 'models.MoneyString', nullable: true };
  schemas['models.Completion'].properties.actual_cost = {
    $ref: S + 'models.MoneyString',
    nullable: true,
  };
  const sub = schemas['models.Subscription'].properties;
  sub.expires_at = { nullable: true, allOf: [{ $ref: S + 'models.Instant' }] };
  const money = schemas['models.MoneyInput'];
  schemas['models.NullableMoneyInput'] = {
    description: 'Like `MoneyInput`, or null to clear.',
    nullable: true,
    oneOf: money.oneOf,
  };
  return doc;
}

export const goSwag: DocumentStyle = {
  name: 'go-swag',
  format: 'yaml',
  summary: 'OpenAPI 3.0.3 as a Go generator writes it (swaggo / oapi-codegen)',
  constructs: [
    'no operationIds',
    'servers base path `/api`, paths without it',
    'response media key `application/json; charset=utf-8`',
    'responses inlined per operation',
    'package-qualified schema names (`models.Task`)',
    'error body `httputil.ErrorResponse` = allOf[`httputil.BaseError`, {details}]',
    '`nullable: true` beside `$ref`, `allOf`, `oneOf` (no `type`)',
  ],
  expectedFindings: GO_SWAG_FINDINGS,
  build: buildGoSwag,
};
