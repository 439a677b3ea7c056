/**
 * §4 / §5 / §7 access matrix, derived from the loaded OpenAPI document.
 *
 * Every document operation whose path, query or body refers to a residence-scoped resource
 * (residence, member, share code, task, completion, completion image, document, media) is
 * called as each actor:
 *
 *   owner → allowed · member → allowed, or 403 where the document declares 403 (owner-only,
 *   §4) · stranger and removed member → 404 by path, 400 `details.<field>` by body/query ·
 *   anonymous → 401.
 *
 * Each refused write is followed by the owner's read showing nothing changed, and no refused
 * answer carries a foreign id, title, name or file name. An operation added to the document is
 * classified by its path template and body fields and probed without editing this file; one
 * that cannot be classified fails by name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anonymous,
  api,
  expectDetail,
  expectError,
  type ApiResponse,
  failure,
} from '../fixtures/harness/client/client.ts';
import type { Actor } from '../fixtures/harness/actors.ts';
import {
  addMember,
  newResidence,
  newUser,
  removeMember,
  staticIds,
  type Residence,
} from '../fixtures/harness/factories.ts';
import { recordSecretsForFinalScan } from '../fixtures/harness/secrets/log-leak-scan.ts';
import { foreignLeaks, type ForeignData } from '../fixtures/harness/secrets/response-disclosure.ts';
import {
  basePath,
  loadedDoc,
  normaliseTemplate,
  OPERATIONS,
  resolveOperations,
  type OpName,
} from '../fixtures/harness/document/operations.ts';
import { formatFailure } from '../fixtures/harness/client/reproduce.ts';
import { typesOf } from '../fixtures/harness/document/schema-data.ts';
import { proves } from '../fixtures/harness/rules.ts';
import { runId, tagged } from '../fixtures/harness/run.ts';
import {
  docOperations,
  documentedStatuses,
  isSecured,
  jsonMedia,
  mediaFor,
  responseFor,
} from '../fixtures/harness/document/spec.ts';
import type { DocOperation, SchemaObject } from '../fixtures/harness/document/spec.ts';

// ------------------------------------------------------------------ classification

type Kind = 'residence' | 'member' | 'task' | 'completion' | 'document' | 'image';

/**
 * Collection prefixes of residence-scoped resources (the segment before a path id), derived
 * from the operation map: each logical operation's template before its last `{…}`.
 */
const PATH_ID_OPS: [OpName, Kind][] = [
  ['getResidence', 'residence'],
  ['removeResidenceUser', 'member'],
  ['getTask', 'task'],
  ['getCompletion', 'completion'],
  ['getDocument', 'document'],
  ['getDocumentFile', 'document'],
  ['getCompletionImageFile', 'image'],
];

function idPrefix(name: OpName): string {
  const template = OPERATIONS[name][1];
  return normaliseTemplate(template.slice(0, template.lastIndexOf('{')));
}

const PATH_KINDS: Record<string, Kind> = Object.fromEntries(
  PATH_ID_OPS.map(([name, kind]) => [idPrefix(name), kind]),
);

/** Body / query fields that name a residence-scoped resource. */
const FIELD_KINDS: Record<string, Kind> = {
  residence_id: 'residence',
  task_id: 'task',
  assigned_to_id: 'member',
  user_id: 'member',
  completion_id: 'completion',
  document_id: 'document',
  image_id: 'image',
};

/** `*_id` fields naming static data (§8), not residence-scoped. */
const STATIC_FIELDS = new Set([
  'property_type_id',
  'category_id',
  'priority_id',
  'frequency_id',
  'document_type_id',
]);

/**
 * Operations that refer to no residence-scoped resource by design (accounts, static data,
 * notifications, subscription), grouped: every path under the segments a group's templates
 * share is unscoped.
 */
const UNSCOPED_GROUPS: OpName[][] = [
  ['register', 'login', 'getMe'],
  ['getStaticData'],
  ['getNotificationPreferences', 'getNotificationSchedule'],
  ['getSubscription', 'subscriptionWebhook'],
];

function sharedPrefix(names: OpName[]): string {
  const split = names.map((n) => OPERATIONS[n][1].split('/').filter(Boolean));
  const first = split[0];
  let n = 0;
  while (n < first.length && !first[n].includes('{') && split.every((s) => s[n] === first[n])) {
    n += 1;
  }
  const prefix = `/${first.slice(0, n).join('/')}/`;
  // a group sharing no more than the base path would mark every operation unscoped
  if (prefix.length <= `${basePath()}/`.length) {
    throw new Error(`[casera] matrix: ${names.join(', ')} share no collection below ${prefix}`);
  }
  return prefix;
}

const UNSCOPED_PREFIXES = UNSCOPED_GROUPS.map(sharedPrefix);
/** Collections whose operations without an id or a scoped field are account-wide. */
const SCOPED_COLLECTIONS = Object.keys(PATH_KINDS).filter((p) => !p.includes('{}'));

interface Ref {
  where: 'path' | 'query' | 'body';
  /** The document's parameter / field name. */
  name: string;
  kind: Kind;
}

interface Classified {
  op: DocOperation;
  label: string;
  /** The logical name when the operation map knows it (stricter expectations). */
  known: boolean;
  refs: Ref[];
  /** `path`: a path id names the resource; `field`: only body/query fields do; `share-code`. */
  scope: 'path' | 'field' | 'share-code';
  /** The document declares 403: owner-only (§4), so a member is refused. */
  ownerOnly: boolean;
  secured: boolean;
  bodyMedia: 'json' | 'multipart' | null;
  bodySchema: SchemaObject | null;
}

type Classification =
  | { status: 'scoped'; c: Classified }
  | { status: 'unscoped'; label: string }
  | { status: 'unclassifiable'; label: string; why: string };

function bodyOf(op: DocOperation): {
  media: 'json' | 'multipart' | null;
  schema: SchemaObject | null;
} {
  // the normalised document: media keys without parameters, allOf merged
  const content = op.op.requestBody?.content ?? {};
  const json = jsonMedia(content);
  if (json) return { media: 'json', schema: json.media.schema ?? {} };
  const multipart = mediaFor(content, 'multipart/form-data');
  if (multipart) return { media: 'multipart', schema: multipart.media.schema ?? {} };
  const other = Object.keys(content);
  return other.length
    ? { media: null, schema: { unsupported: other } }
    : { media: null, schema: null };
}

/** §4: the operations only the owner may call (a member gets 403). */
const OWNER_ONLY = ['updateResidence', 'deleteResidence', 'createShareCode', 'removeResidenceUser'];

function classify(op: DocOperation, labels: Map<DocOperation, string>): Classification {
  const label =
    labels.get(op) ??
    `${op.operationId ?? '(no operationId)'} ${op.method.toUpperCase()} ${op.path}`;
  const norm = normaliseTemplate(op.path);
  // accounts, static data, notifications, subscription: about the caller, never a residence
  if (UNSCOPED_PREFIXES.some((p) => norm.startsWith(p))) return { status: 'unscoped', label };
  const refs: Ref[] = [];
  // path ids: the collection prefix before each `{param}` names its kind
  const re = /\{([^}]+)\}/g;
  for (const m of op.path.matchAll(re)) {
    const prefix = normaliseTemplate(op.path.slice(0, m.index));
    const kind = PATH_KINDS[prefix];
    if (!kind)
      return { status: 'unclassifiable', label, why: `path parameter {${m[1]}} after ${prefix}` };
    refs.push({ where: 'path', name: m[1], kind });
  }
  for (const p of op.parameters) {
    if (p.in !== 'query') continue;
    const kind = FIELD_KINDS[p.name];
    if (kind) refs.push({ where: 'query', name: p.name, kind });
    else if (/_id$/.test(p.name) && !STATIC_FIELDS.has(p.name)) {
      return { status: 'unclassifiable', label, why: `query parameter ${p.name}` };
    }
  }
  const body = bodyOf(op);
  if (body.schema?.unsupported) {
    return { status: 'unclassifiable', label, why: `request body type ${body.schema.unsupported}` };
  }
  const props: Record<string, SchemaObject> = body.schema?.properties ?? {};
  let shareCode = false;
  for (const name of Object.keys(props)) {
    const kind = FIELD_KINDS[name];
    if (kind) refs.push({ where: 'body', name, kind });
    else if (name === 'code' && norm.startsWith(idPrefix('getResidence'))) shareCode = true;
    else if (/_id$/.test(name) && !STATIC_FIELDS.has(name)) {
      return { status: 'unclassifiable', label, why: `body field ${name}` };
    }
  }
  const pathRefs = refs.filter((r) => r.where === 'path');
  const required = new Set<string>(body.schema?.required ?? []);
  // a scoped body field that is optional is only probed when it is the scope (creates)
  const fieldRefs = refs.filter(
    (r) => r.where !== 'path' && (r.where === 'query' || required.has(r.name)),
  );
  const base = {
    op,
    label,
    known: labels.has(op),
    // owner-only comes from the contract (§4) for the operations it names; for others, from an
    // explicit 403 in the document (a `4XX`/`default` covers every status, so it says nothing)
    ownerOnly: labels.has(op)
      ? OWNER_ONLY.includes(labels.get(op)!.split(' ')[0])
      : documentedStatuses(op.op).includes('403'),
    secured: isSecured(loadedDoc(), op.op),
    bodyMedia: body.media,
    bodySchema: body.schema,
  };
  if (pathRefs.length > 0)
    return { status: 'scoped', c: { ...base, refs: pathRefs, scope: 'path' } };
  if (shareCode) return { status: 'scoped', c: { ...base, refs: [], scope: 'share-code' } };
  if (fieldRefs.length > 0)
    return { status: 'scoped', c: { ...base, refs: fieldRefs, scope: 'field' } };
  if (SCOPED_COLLECTIONS.includes(norm)) {
    return { status: 'unscoped', label };
  }
  return { status: 'unclassifiable', label, why: 'no known resource in its path, query or body' };
}

const doc = loadedDoc();
const map = resolveOperations(doc);
const labels = new Map<DocOperation, string>();
// §12: whether OPTIONS is served is the implementation's choice, and §4 gives it no row; a documented
// OPTIONS operation is no resource access the matrix could judge.
const allOps = docOperations(doc).filter((o) => o.method !== 'options');
for (const r of map.resolved.values()) {
  const d = allOps.find((o) => o.method === r.method && o.path === r.path);
  if (d) labels.set(d, `${r.name} (${r.method.toUpperCase()} ${r.path})`);
}
const classifications = allOps.map((o) => classify(o, labels));

// ------------------------------------------------------------------ fixtures per operation

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const PDF = Buffer.from(`%PDF-1.4\n% ${runId} matrix\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n`);

let seq = 0;
const fileName = (ext: string): string => `matrix-${runId}-${(seq += 1)}.${ext}`;

interface Bundle {
  residence: Residence;
  onceTask: { id: number; title: string };
  recurringTask: { id: number; title: string };
  completion: { id: number };
  image: { id: number };
  imageName: string;
  document: { id: number; title: string };
  documentName: string;
}

interface Actors {
  owner: Actor;
  member: Actor;
  stranger: Actor;
  removed: Actor;
}

function must(res: ApiResponse, status: number, what: string): ApiResponse {
  if (res.status !== status) {
    throw new Error(
      formatFailure({
        check: 'matrix setup',
        message: `${what}: expected ${status}, got ${res.status}`,
        operation: res.operation,
        status: res.status,
        body: res.text,
        curl: res.curl,
      }),
    );
  }
  return res;
}

async function makeBundle(owner: Actor, residence: Residence): Promise<Bundle> {
  const ids = await staticIds();
  const once = must(
    await api.call('createTask', {
      as: owner,
      body: { residence_id: residence.id, title: tagged(`matrix once ${(seq += 1)}`) },
    }),
    201,
    'create one-time task',
  ).body;
  const recurring = must(
    await api.call('createTask', {
      as: owner,
      body: {
        residence_id: residence.id,
        title: tagged(`matrix weekly ${(seq += 1)}`),
        frequency_id: ids.task_frequencies.weekly,
      },
    }),
    201,
    'create recurring task',
  ).body;
  const completion = must(
    await api.call('createCompletion', {
      as: owner,
      body: { task_id: recurring.id, notes: tagged('matrix completion') },
    }),
    201,
    'create completion',
  ).body;
  const imageName = fileName('png');
  const image = must(
    await api.call('uploadCompletionImage', {
      as: owner,
      path: { id: completion.id },
      multipart: {
        files: { image: { content: PNG, filename: imageName, contentType: 'image/png' } },
      },
    }),
    201,
    'upload completion image',
  ).body;
  const documentName = fileName('pdf');
  const document = must(
    await api.call('createDocument', {
      as: owner,
      multipart: {
        fields: {
          residence_id: residence.id,
          title: tagged(`matrix document ${(seq += 1)}`),
          document_type: 'warranty',
        },
        files: { file: { content: PDF, filename: documentName, contentType: 'application/pdf' } },
      },
    }),
    201,
    'create document',
  ).body;
  return {
    residence,
    onceTask: once,
    recurringTask: recurring,
    completion,
    image,
    imageName,
    document,
    documentName,
  };
}

/** A residence of `owner` with `member` joined and `removed` joined then removed. */
async function makeResidence(a: Actors): Promise<Residence> {
  const residence = await newResidence(a.owner, { name: tagged(`matrix residence ${(seq += 1)}`) });
  await addMember(residence, a.owner, a.member);
  await addMember(residence, a.owner, a.removed);
  await removeMember(residence, a.owner, a.removed);
  return residence;
}

function idFor(kind: Kind, b: Bundle, a: Actors): number {
  switch (kind) {
    case 'residence':
      return b.residence.id;
    case 'member':
      return a.member.id;
    case 'task':
      return b.onceTask.id;
    case 'completion':
      return b.completion.id;
    case 'document':
      return b.document.id;
    case 'image':
      return b.image.id;
  }
}

/** A value for a body property from its schema (enum → first, else by type). */
function valueFor(name: string, s: SchemaObject, label: string): unknown {
  const nonNull = (x: SchemaObject) => !typesOf(x).every((t) => t === 'null') || !x.type;
  const alts: SchemaObject[] = s.oneOf ?? s.anyOf ?? [];
  const schema = alts.find((x) => x.type !== 'null' && nonNull(x)) ?? s;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum.find((v: unknown) => v !== null);
  if (schema.format === 'binary') return { binary: true };
  switch (typesOf(schema).find((t) => t !== 'null')) {
    case 'string':
      if (schema.format === 'date') return new Date().toISOString().slice(0, 10);
      if (schema.format === 'date-time') return new Date().toISOString();
      return tagged(`matrix ${name}`).slice(0, schema.maxLength ?? 200);
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    default:
      throw new Error(`${label}: cannot build a value for body field ${name}`);
  }
}

/** Whether a file part accepts PDF (documents) or only images (completion images). */
function acceptsPdf(c: Classified, part: string): boolean {
  const enc = c.op.op.requestBody?.content?.['multipart/form-data']?.encoding?.[part]?.contentType;
  return typeof enc === 'string' ? enc.includes('application/pdf') : part !== 'image';
}

const MARKER_FIELDS = ['title', 'name', 'notes', 'description'];

interface Built {
  path: string;
  query?: Record<string, number>;
  body?: Record<string, unknown>;
  multipart?: {
    fields: Record<string, string | number>;
    files: Record<string, { content: Buffer; filename: string; contentType: string }>;
  };
  /** Ids the request itself names (not a leak when echoed). */
  sentIds: number[];
}

/** The request an allowed caller would send, built from the document. */
function buildRequest(c: Classified, b: Bundle, a: Actors, shareCode?: string): Built {
  const sentIds: number[] = [];
  let i = 0;
  const pathRefs = c.refs.filter((r) => r.where === 'path');
  const path = c.op.path.replace(/\{([^}]+)\}/g, () => {
    const id = idFor(pathRefs[i++].kind, b, a);
    sentIds.push(id);
    return String(id);
  });
  const built: Built = { path, sentIds };
  const queryRefs = c.refs.filter((r) => r.where === 'query');
  if (queryRefs.length) {
    built.query = {};
    for (const r of queryRefs) {
      built.query[r.name] = idFor(r.kind, b, a);
      sentIds.push(built.query[r.name]);
    }
  }
  // other required query parameters
  for (const p of c.op.parameters) {
    if (p.in === 'query' && p.required && !(built.query && p.name in built.query)) {
      throw new Error(`${c.label}: cannot build required query parameter ${p.name}`);
    }
  }
  if (c.bodySchema) {
    const props: Record<string, SchemaObject> = c.bodySchema.properties ?? {};
    const required: string[] = c.bodySchema.required ?? [];
    const names = new Set(required);
    if (names.size === 0) {
      const marker = MARKER_FIELDS.find((f) => f in props);
      if (marker) names.add(marker);
    }
    const fields: Record<string, unknown> = {};
    const files: NonNullable<Built['multipart']>['files'] = {};
    for (const name of names) {
      const kind = FIELD_KINDS[name];
      if (kind) {
        fields[name] = idFor(kind, b, a);
        sentIds.push(fields[name] as number);
      } else if (name === 'code' && c.scope === 'share-code') {
        fields[name] = shareCode ?? 'NOCODE';
      } else {
        const v = valueFor(name, props[name] ?? {}, c.label);
        if (v && typeof v === 'object' && 'binary' in v) {
          files[name] = acceptsPdf(c, name)
            ? { content: PDF, filename: fileName('pdf'), contentType: 'application/pdf' }
            : { content: PNG, filename: fileName('png'), contentType: 'image/png' };
        } else fields[name] = v;
      }
    }
    if (c.bodyMedia === 'multipart') {
      built.multipart = { fields: fields as Record<string, string | number>, files };
    } else if (c.bodyMedia === 'json') built.body = fields;
  }
  return built;
}

async function send(c: Classified, req: Built, as: Actor | null): Promise<ApiResponse> {
  return api.raw(c.op.method, req.path, {
    as,
    query: req.query,
    body: req.body,
    multipart: req.multipart,
    retryOn429: false,
  });
}

/** The owner's view of everything in the bundle: unchanged by any refused request. */
async function snapshot(owner: Actor, b: Bundle): Promise<string> {
  const reads: [string, Promise<ApiResponse>][] = [
    ['residence', api.call('getResidence', { as: owner, path: { id: b.residence.id } })],
    ['users', api.call('listResidenceUsers', { as: owner, path: { id: b.residence.id } })],
    ['once task', api.call('getTask', { as: owner, path: { id: b.onceTask.id } })],
    ['recurring task', api.call('getTask', { as: owner, path: { id: b.recurringTask.id } })],
    [
      'archived',
      api.call('listArchivedTasks', { as: owner, query: { residence_id: b.residence.id } }),
    ],
    [
      'completions',
      api.call('listCompletions', { as: owner, query: { task_id: b.recurringTask.id } }),
    ],
    [
      'once completions',
      api.call('listCompletions', { as: owner, query: { task_id: b.onceTask.id } }),
    ],
    [
      'documents',
      api.call('listDocuments', { as: owner, query: { residence_id: b.residence.id } }),
    ],
    ['document file', api.call('getDocumentFile', { as: owner, path: { id: b.document.id } })],
    ['image file', api.call('getCompletionImageFile', { as: owner, path: { id: b.image.id } })],
  ];
  const out: Record<string, unknown> = {};
  for (const [name, p] of reads) {
    const r = await p;
    const isFile = name.endsWith('file');
    out[name] = { status: r.status, body: isFile ? r.bytes.toString('base64') : r.body };
  }
  return JSON.stringify(out, null, 1);
}

function secretsOfBundle(b: Bundle, a: Actors, c: Classified): ForeignData {
  const kind = c.refs[0]?.kind;
  return {
    idKind: kind === 'member' ? 'user' : kind,
    ids: {
      residence: [b.residence.id],
      task: [b.onceTask.id, b.recurringTask.id],
      completion: [b.completion.id],
      image: [b.image.id],
      document: [b.document.id],
      user: [a.owner.id, a.member.id],
    },
    strings: [
      b.residence.name,
      b.onceTask.title,
      b.recurringTask.title,
      b.document.title,
      b.documentName,
      b.imageName,
      a.owner.username,
      a.owner.email,
      a.member.username,
      a.member.email,
    ],
  };
}

function refusal(res: ApiResponse, message: string): Error {
  return failure(res, 'authz matrix', message);
}

/** An `un<action>` path needs its `<action>` first (e.g. uncancel needs cancel). */
function prerequisiteOf(c: Classified): string | null {
  const m = /^(.*\/)un([a-z-]+)\/$/.exec(c.op.path);
  if (!m || c.op.method !== 'post') return null;
  const pre = `${m[1]}${m[2]}/`;
  return allOps.some((o) => o.method === 'post' && o.path === pre) ? pre : null;
}

async function prepare(c: Classified, b: Bundle, a: Actors): Promise<void> {
  const pre = prerequisiteOf(c);
  if (pre === null) return;
  const req = buildRequest({ ...c, op: { ...c.op, path: pre }, bodySchema: null }, b, a);
  const r = await api.raw('post', req.path, { as: a.owner });
  if (r.status < 200 || r.status > 299) throw refusal(r, `${c.label}: prerequisite ${pre} failed`);
}

// ------------------------------------------------------------------ contract rules proven

type Role = 'owner' | 'member' | 'member-refused' | 'other' | 'removed' | 'anonymous';

/** §4 rows name their own rules; the rest follow the resource kind (§5, §7) and §1. */
const RESIDENCE_RULES: Record<string, string> = {
  getResidence: 's4.get',
  updateResidence: 's4.patch',
  deleteResidence: 's4.delete',
  createShareCode: 's4.share-code',
  listResidenceUsers: 's4.users',
  removeResidenceUser: 's4.remove',
};

function rulesFor(c: Classified, role: Role): string[] {
  if (role === 'anonymous') return ['s1.auth.missing', 's1.error.unauthorized'];
  const name = c.known ? c.label.split(' ')[0] : '';
  const extra = role === 'removed' ? ['s4.removed.loses-access'] : [];
  const who = role === 'removed' ? 'other' : role === 'member-refused' ? 'member' : role;
  if (RESIDENCE_RULES[name]) return [`${RESIDENCE_RULES[name]}.${who}`, ...extra];
  if (c.scope === 'share-code') {
    if (role === 'owner') return ['s4.join.owner-again'];
    if (role === 'member') return ['s4.join.member-again'];
    return ['s4.join.unknown-code'];
  }
  const kind = c.refs[0]?.kind;
  if (who === 'other' && c.scope === 'field') {
    const field = c.refs[0].name;
    const invisible = field === 'task_id' ? 's1.invisible.task' : 's1.invisible.residence';
    return [
      invisible,
      ...(name === 'createTask' ? ['s5.access.other-residence-in-body'] : []),
      ...extra,
    ];
  }
  const section =
    kind === 'document' || kind === 'image' || /^\/api\/(media|documents)\//.test(c.op.path)
      ? 's7'
      : 's5';
  const rule = who === 'other' ? (section === 's5' ? 'other-by-id' : 'other') : who;
  return [`${section}.access.${rule}`, ...extra];
}

// ------------------------------------------------------------------ the tests

const scoped = classifications.flatMap((x) => (x.status === 'scoped' ? [x.c] : []));
const unclassifiable = classifications.flatMap((x) => (x.status === 'unclassifiable' ? [x] : []));

afterAll(() => recordSecretsForFinalScan());

describe('authz matrix: every residence-scoped operation of the document', () => {
  it('classifies every operation of the document (an unknown kind fails by name)', () => {
    const lines = unclassifiable.map((u) => `${u.label}: ${u.why}`);
    expect(lines, `operations the authz matrix cannot classify:\n${lines.join('\n')}`).toEqual([]);
  });

  it('finds every residence-scoped operation the operation map names', () => {
    const expected = [
      'getResidence',
      'updateResidence',
      'deleteResidence',
      'createShareCode',
      'joinResidence',
      'listResidenceUsers',
      'removeResidenceUser',
      'listTasks',
      'createTask',
      'listArchivedTasks',
      'getTask',
      'updateTask',
      'deleteTask',
      'markInProgress',
      'cancelTask',
      'uncancelTask',
      'archiveTask',
      'unarchiveTask',
      'quickCompleteTask',
      'listCompletions',
      'createCompletion',
      'getCompletion',
      'deleteCompletion',
      'uploadCompletionImage',
      'listDocuments',
      'createDocument',
      'getDocument',
      'updateDocument',
      'deleteDocument',
      'getDocumentFile',
      'getCompletionImageFile',
    ];
    const found = new Set(scoped.map((c) => c.label.split(' ')[0]));
    const present = expected.filter((n) => map.resolved.has(n as never));
    expect(present.filter((n) => !found.has(n))).toEqual([]);
  });

  it('documents 403 (exactly, as 4XX or as default) on every §4 owner-only operation', () => {
    const lacking = OWNER_ONLY.filter((n) => map.resolved.has(n as never)).filter(
      (n) => !responseFor(map.resolved.get(n as never)!.op, 403),
    );
    expect(lacking).toEqual([]);
  });
});

let actorsPromise: Promise<Actors> | undefined;
function actors(): Promise<Actors> {
  actorsPromise ??= (async () => {
    const [owner, member, stranger, removed] = await Promise.all([
      newUser({ name: 'owner' }),
      newUser({ name: 'member' }),
      newUser({ name: 'stranger' }),
      newUser({ name: 'removed' }),
    ]);
    await newResidence(stranger, { name: tagged('stranger home') });
    return { owner, member, stranger, removed };
  })();
  return actorsPromise;
}

for (const c of scoped) {
  describe(`${c.label}`, () => {
    let a: Actors;
    let b: Bundle;
    const isWrite = c.op.method !== 'get' && c.op.method !== 'head';
    const refusedOutsider =
      c.scope === 'path'
        ? '404 not_found'
        : c.scope === 'field'
          ? `400 details.${c.refs[0]?.name}`
          : '404 (unknown code)';

    beforeAll(async () => {
      a = await actors();
      b = await makeBundle(a.owner, await makeResidence(a));
      await prepare(c, b, a);
    });

    async function refused(
      as: Actor,
      expectRes: (res: ApiResponse) => void,
      req: Built = buildRequest(c, b, a, 'ZZ9ZZ9'),
    ): Promise<void> {
      const before = isWrite ? await snapshot(a.owner, b) : '';
      const res = await send(c, req, as.token === null ? null : as);
      expectRes(res);
      if (as.name !== 'member') {
        const leaks = foreignLeaks(res.body, res.text, secretsOfBundle(b, a, c), req.sentIds);
        if (leaks.length) throw refusal(res, `the refusal leaks ${leaks.join(', ')}`);
      }
      if (isWrite) {
        const after = await snapshot(a.owner, b);
        if (after !== before) {
          throw refusal(
            res,
            `the refused ${as.name} request changed what the owner reads:\nbefore ${before}\nafter ${after}`,
          );
        }
        expect(after).toBe(before);
      }
    }

    if (c.secured) {
      it(`anonymous gets 401 and nothing changes`, async () => {
        proves(...rulesFor(c, 'anonymous'));
        await refused(anonymous, (res) => expectError(res, 401, 'unauthorized'));
      });
    }

    for (const who of ['stranger', 'removed'] as const) {
      const title = who === 'removed' ? 'a removed member' : 'a stranger';
      if (c.scope === 'share-code') {
        it(`${title} joining with a code never issued gets 404 and nothing changes`, async () => {
          proves(...rulesFor(c, who === 'removed' ? 'removed' : 'other'));
          await refused(
            a[who],
            (res) => expectError(res, 404, 'not_found'),
            buildRequest(c, b, a, `Q${runId}`.slice(0, 6).toUpperCase()),
          );
        });
        continue;
      }
      it(`${title} gets ${refusedOutsider}, nothing changes, nothing foreign is disclosed`, async () => {
        proves(...rulesFor(c, who === 'removed' ? 'removed' : 'other'));
        await refused(a[who], (res) => {
          if (c.scope === 'path') expectError(res, 404, 'not_found');
          else expectDetail(res, c.refs[0].name);
        });
      });
    }

    if (c.scope === 'share-code') {
      for (const who of ['owner', 'member'] as const) {
        it(`the ${who} joining again with a valid code gets 409 conflict and nothing changes`, async () => {
          proves(...rulesFor(c, who), 's1.error.conflict');
          const code = must(
            await api.call('createShareCode', { as: a.owner, path: { id: b.residence.id } }),
            201,
            'share code',
          ).body.code;
          await refused(
            a[who],
            (res) => expectError(res, 409, 'conflict'),
            buildRequest(c, b, a, code),
          );
        });
      }
      it('a stranger with a valid code joins and gets the residence', async () => {
        proves('s4.join.ok');
        const code = must(
          await api.call('createShareCode', { as: a.owner, path: { id: b.residence.id } }),
          201,
          'share code',
        ).body.code;
        const res = await send(c, buildRequest(c, b, a, code), a.stranger);
        if (res.status !== 200)
          throw refusal(res, 'a stranger with a valid share code must join (200)');
        expect(res.body.id).toBe(b.residence.id);
      });
      return;
    }

    if (c.ownerOnly) {
      it('a member gets 403 forbidden (owner-only) and nothing changes', async () => {
        proves(...rulesFor(c, 'member-refused'), 's1.error.forbidden');
        await refused(a.member, (res) => expectError(res, 403, 'forbidden'));
      });
    }

    for (const who of c.ownerOnly ? (['owner'] as const) : (['member', 'owner'] as const)) {
      it(`the ${who} is allowed (2xx)`, async () => {
        proves(...rulesFor(c, who));
        // a write works on fresh resources so earlier callers cannot have consumed them
        const bundle = isWrite
          ? await makeBundle(
              a.owner,
              c.refs.some((r) => r.kind === 'residence' || r.kind === 'member') &&
                c.op.method === 'delete'
                ? await makeResidence(a)
                : b.residence,
            )
          : b;
        if (isWrite) await prepare(c, bundle, a);
        const res = await send(c, buildRequest(c, bundle, a), a[who]);
        const ok = res.status >= 200 && res.status < 300;
        const stateRefused =
          !c.known && res.status === 409 && res.body?.error === 'invalid_transition';
        if (!ok && !stateRefused)
          throw refusal(res, `the ${who} must be allowed (2xx), got ${res.status}`);
        expect(ok || stateRefused).toBe(true);
      });
    }
  });
}
