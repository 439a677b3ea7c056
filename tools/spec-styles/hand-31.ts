/**
 * `hand-31`: OpenAPI 3.1.0 written by hand by a team that knows JSON Schema 2020-12: the same
 * contract as the reference document, but
 *
 * - `openapi: 3.1.0`; `type: [x, "null"]` instead of `nullable` (enums list `null`), `const`
 *   instead of one-value enums, schema `examples` arrays instead of `example`;
 * - an absolute server URL with the base path, `http://localhost:8000/api`, paths like `/tasks/`;
 * - request bodies under `application/json; charset=utf-8`;
 * - error answers as `4XX` (even-numbered operations) or `default` (odd-numbered ones) instead
 *   of literal 400/401/403/404/409/413/415 (429 stays literal: it carries `Retry-After`), with the
 *   error body named `ApiError`;
 * - shared schemas with `readOnly`/`writeOnly`: ONE `Task` schema is the create-task body and,
 *   composed as `TaskResource` = allOf[`Task`, {required, estimated_cost}], every task answer
 *   (server fields `readOnly`, required only in answers); ONE `Account` schema is the register
 *   body and, composed as `User`, every user answer (`password` `writeOnly`);
 * - resources as allOf compositions: `Residence` = allOf[`ResidenceFields`, {server fields}]
 *   with `unevaluatedProperties: false`.
 */
import { loadReference, moveBasePathToServers, operations, renameMediaKeys } from './common.ts';
import { renameRefs, renameSchemas, walk } from './common.ts';
import type { DocumentStyle, Obj } from './common.ts';

const S = '#/components/schemas/';
const R = '#/components/responses/';

/** `nullable` → type arrays (enums list null); one-value enums → const; schema `example` → `examples`. */
function toJsonSchema2020(doc: Obj): void {
  walk(doc, (o, keys) => {
    // Only schema objects carry `nullable`/`enum`; parameters/media types keep their own `example`.
    if (o.nullable === true) {
      delete o.nullable;
      if (typeof o.type !== 'string')
        throw new Error(`[hand-31] nullable without type at ${keys.join('/')}`);
      o.type = [o.type, 'null'];
      if (Array.isArray(o.enum) && !o.enum.includes(null)) o.enum.push(null);
    }
    if (Array.isArray(o.enum) && o.enum.length === 1) {
      o.const = o.enum[0];
      delete o.enum;
    }
  });
  walk(doc.components.schemas, (o, keys) => {
    if ('example' in o && keys[keys.length - 1] !== 'properties') {
      o.examples = [o.example];
      delete o.example;
    }
  });
}

/** The error answers of each operation folded into `4XX` or `default` (429 stays literal). */
function foldErrorResponses(doc: Obj): void {
  const responses = doc.components.responses as Obj;
  responses.ClientError = {
    description: 'Any client error: the `ApiError` body, its `error` code naming the kind.',
    headers: responses.BadRequest.headers,
    content: responses.BadRequest.content,
  };
  operations(doc).forEach(({ path, method, op }, i) => {
    const key = i % 2 === 0 ? '4XX' : 'default';
    const out: Obj = {};
    let folded = false;
    for (const [status, r] of Object.entries(op.responses as Obj)) {
      if (/^4\d\d$/.test(status) && status !== '429') {
        if (!String(r.$ref ?? '').startsWith(R)) {
          throw new Error(`[hand-31] ${method} ${path} ${status}: not a shared error response`);
        }
        folded = true;
        continue;
      }
      out[status] = r;
    }
    if (folded) out[key] = { $ref: R + 'ClientError' };
    op.responses = out;
  });
  for (const k of Object.keys(responses)) {
    if (!['ClientError', 'TooManyRequests', 'TaskOk'].includes(k)) delete responses[k];
  }
}

/** ONE `Account` (register body) composed into `User`; ONE `Task` (create body) composed into `TaskResource`. */
function shareSchemas(doc: Obj): void {
  const schemas = doc.components.schemas as Obj;
  const user = schemas.User;
  const register = schemas.RegisterRequest;
  schemas.Account = {
    type: 'object',
    description:
      'A user account: the register body and (as `User`) every user answer. Server fields are readOnly, the password writeOnly.',
    additionalProperties: false,
    required: ['id', 'username', 'email', 'password', 'is_verified'],
    properties: {
      id: { ...user.properties.id, readOnly: true },
      username: register.properties.username,
      email: register.properties.email,
      password: { ...register.properties.password, writeOnly: true },
      first_name: register.properties.first_name,
      last_name: register.properties.last_name,
      timezone: register.properties.timezone,
      is_verified: { ...user.properties.is_verified, readOnly: true },
    },
  };
  schemas.User = {
    allOf: [{ $ref: S + 'Account' }, { required: ['first_name', 'last_name', 'timezone'] }],
  };

  const task = schemas.Task;
  const create = schemas.CreateTaskRequest;
  const readOnly = [
    'id',
    'next_due_date',
    'in_progress',
    'is_cancelled',
    'is_archived',
    'completion_count',
    'last_completed_at',
    'created_by_id',
    'created_at',
    'updated_at',
    'kanban_column',
  ];
  const shared: Obj = {};
  for (const k of Object.keys(task.properties)) {
    if (readOnly.includes(k)) shared[k] = { ...task.properties[k], readOnly: true };
    else if (k === 'due_date') shared[k] = task.properties[k];
    else shared[k] = create.properties[k];
  }
  const answerOnly = task.required.filter(
    (k: string) => !readOnly.includes(k) && !create.required.includes(k),
  );
  schemas.TaskResource = {
    description: 'A task as every answer carries it.',
    allOf: [
      { $ref: S + 'Task' },
      { required: answerOnly, properties: { estimated_cost: task.properties.estimated_cost } },
    ],
  };
  schemas.Task = {
    type: 'object',
    description:
      'A task: the create-task body and (as `TaskResource`) every task answer. Server fields are readOnly.',
    additionalProperties: false,
    required: [...create.required, ...readOnly],
    properties: shared,
  };
  delete schemas.CreateTaskRequest;
  delete schemas.RegisterRequest;
}

/** `Residence` = allOf[`ResidenceFields`, {server fields}], closed with unevaluatedProperties. */
function composeResidence(doc: Obj): void {
  const schemas = doc.components.schemas as Obj;
  const r = schemas.Residence;
  const server = ['id', 'owner_id', 'created_at', 'updated_at'];
  const fields: Obj = {};
  const own: Obj = {};
  for (const [k, v] of Object.entries(r.properties as Obj))
    (server.includes(k) ? own : fields)[k] = v;
  schemas.ResidenceFields = { type: 'object', properties: fields };
  schemas.Residence = {
    allOf: [{ $ref: S + 'ResidenceFields' }, { type: 'object', properties: own }],
    required: r.required,
    unevaluatedProperties: false,
  };
}

export function buildHand31(): Obj {
  const doc = loadReference();
  doc.openapi = '3.1.0';
  moveBasePathToServers(doc, 'http://localhost:8000/api', 'Local development server.');
  renameMediaKeys(doc, 'application/json', 'application/json; charset=utf-8', {
    responses: false,
    requests: true,
  });
  foldErrorResponses(doc);
  renameSchemas(doc, { Error: 'ApiError' });
  // answers point at TaskResource; the create and register bodies at the shared Task and Account
  renameRefs(doc, { Task: 'TaskResource', CreateTaskRequest: 'Task', RegisterRequest: 'Account' });
  shareSchemas(doc);
  composeResidence(doc);
  toJsonSchema2020(doc);
  return doc;
}

export const hand31: DocumentStyle = {
  name: 'hand-31',
  format: 'yaml',
  summary: 'OpenAPI 3.1.0 written by hand (JSON Schema 2020-12 idioms)',
  constructs: [
    'openapi 3.1.0: `type: [x, "null"]`, `const`, schema `examples` arrays',
    'absolute server URL `http://localhost:8000/api`, paths without the base',
    'request media key `application/json; charset=utf-8`',
    '`4XX` / `default` error answers instead of literal codes',
    'error body named `ApiError`',
    'shared schemas with `readOnly`/`writeOnly` (`Task`, `Account`)',
    'resources as allOf compositions (`User`, `TaskResource`, `Residence` with `unevaluatedProperties: false`)',
  ],
  expectedFindings: [],
  build: buildHand31,
};
