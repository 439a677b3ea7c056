import type { Fault } from './fault.ts';

/** Files of the reference target (relative to fixtures/reference-api/). */
const DATES = 'src/domain/dates.ts';
const KANBAN = 'src/domain/kanban.ts';
const LIFECYCLE = 'src/domain/lifecycle.ts';
const RECURRENCE = 'src/domain/recurrence.ts';
const SCHEDULE = 'src/domain/schedule.ts';
const IDEMPOTENCY = 'src/tasks/idempotency.ts';
const STORE = 'src/tasks/store.ts';
const COMPLETE = 'src/tasks/complete.ts';
const TASK_ROUTES = 'src/routes/tasks.ts';
const COMPLETION_ROUTES = 'src/routes/completions.ts';
const NOTIFICATION_ROUTES = 'src/routes/notifications.ts';
const ACCOUNTS = 'src/routes/accounts.ts';
const APP = 'src/app.ts';
const RESIDENCES = 'src/routes/residences.ts';
const DOCUMENTS = 'src/routes/documents.ts';
const STATIC = 'src/routes/static.ts';
const SUBSCRIPTION = 'src/routes/subscription.ts';
const TASK_ACCESS = 'src/tasks/access.ts';
const LIMITS = 'src/http/limits.ts';
const RATELIMIT = 'src/http/ratelimit.ts';
const MONEY = 'src/http/money.ts';
const PAGINATION = 'src/http/pagination.ts';
const AUTH = 'src/http/auth.ts';
const MULTIPART = 'src/http/multipart.ts';
const FREQUENCIES = 'src/domain/frequencies.ts';
const TASK_RULES = 'src/tasks/rules.ts';
/** The tasks migration: its CHECK constraints repeat the request bounds (a 23514 answers 400). */
const TASKS_SQL = 'src/db/schema/020_tasks.sql';

/**
 * The fault catalog: realistic bugs a Casera developer could write, spread over the four suites
 * and the logs. Each is a search-and-replace on the reference target; every `find` is a whole
 * line (or lines) of logic, so a reformatting elsewhere does not make it stale.
 */
export const FAULTS: Fault[] = [
  // ---------------------------------------------------------------- time, kanban, recurrence
  {
    id: 'kanban-due-soon-exclusive',
    rules: ['s5.3.rule.due-soon'],
    area: 'properties',
    description:
      'due_soon boundary exclusive: a task due on today + days lands in upcoming (< instead of ≤)',
    ci: true,
    edits: [
      {
        file: KANBAN,
        find: `if (due <= addDays(today, days)) return 'due_soon'; // 7`,
        replace: `if (due < addDays(today, days)) return 'due_soon'; // 7`,
      },
    ],
  },
  {
    id: 'months-not-clamped',
    rules: ['s5.2.freq.month-clamp'],
    area: 'lifecycle',
    description: 'month arithmetic without clamping: Jan 31 + 1 month rolls over to Mar 2/3',
    edits: [
      {
        file: DATES,
        find: `return DateTime.fromISO(date, { zone: 'utc' }).plus({ months }).toISODate() as string;`,
        replace:
          `const d = DateTime.fromISO(date, { zone: 'utc' });\n` +
          `  return d.startOf('month').plus({ months }).plus({ days: d.day - 1 }).toISODate() as string;`,
      },
    ],
  },
  {
    id: 'latest-completion-by-insertion',
    rules: ['s5.2.next-due.latest', 's5.2.next-due.backdated'],
    area: 'lifecycle',
    description: 'the latest completion is the last one inserted, not the greatest completed_at',
    edits: [
      {
        file: RECURRENCE,
        find: `      c.completed_at.getTime() > best.completed_at.getTime() ||\n      (c.completed_at.getTime() === best.completed_at.getTime() && c.id > best.id)`,
        replace: `      c.id > best.id`,
      },
    ],
  },
  {
    id: 'next-due-from-due-date',
    rules: ['s5.2.next-due.latest'],
    area: 'lifecycle',
    description: 'next_due_date computed from the task due_date instead of the completion date',
    edits: [
      {
        file: STORE,
        find: `latest?.local_date ?? null,`,
        replace: `latest ? (task.due_date ?? latest.local_date) : null,`,
      },
    ],
  },
  {
    id: 'overdue-reminders-six-days',
    rules: ['s6.overdue.days'],
    area: 'properties',
    description: 'overdue reminders sent on E+1 … E+6 only (an off-by-one in the loop)',
    edits: [
      {
        file: SCHEDULE,
        find: `for (let k = 1; k <= 7; k++)`,
        replace: `for (let k = 1; k < 7; k++)`,
      },
    ],
  },
  {
    id: 'spring-forward-not-shifted',
    rules: ['s6.fire.spring-forward'],
    area: 'properties',
    description:
      'a fire time inside a spring-forward gap is read with the offset after the transition (fires an hour early instead of shifted forward)',
    edits: [
      {
        file: SCHEDULE,
        find: `const before = Math.min(...offsets);`,
        replace: `const before = Math.max(...offsets);`,
      },
    ],
  },
  {
    id: 'fall-back-fires-twice',
    rules: ['s6.fire.fall-back', 's6.unique-items'],
    area: 'properties',
    description:
      'a reminder whose local hour repeats at a fall-back fires at both instants (the worker matches every instant whose wall hour is hh)',
    edits: [
      {
        file: SCHEDULE,
        find: `    items.push({ kind, task_id: taskId, local_date: day, fire_at: fireAt });`,
        replace:
          `    items.push({ kind, task_id: taskId, local_date: day, fire_at: fireAt });\n` +
          `    const again = DateTime.fromMillis(ms + 3_600_000, { zone });\n` +
          `    if (again.hour === hour && again.toISODate() === day && ms + 3_600_000 < toMs)\n` +
          `      items.push({ kind, task_id: taskId, local_date: day, fire_at: again.toJSDate() });`,
      },
    ],
  },
  {
    id: 'schedule-24-hour-days',
    rules: ['s2.calendar-days', 's6.fire.local-time'],
    area: 'properties',
    description:
      'reminder fire times stepped in 24-hour periods from the first day, so they drift by an hour across a DST change',
    edits: [
      {
        file: SCHEDULE,
        find: `    const fireAt = localWallTimeToInstant(day, hour, zone);`,
        replace: `    const fireAt = new Date(localWallTimeToInstant(firstDay, hour, zone).getTime() + (Date.parse(day) - Date.parse(firstDay)));`,
      },
    ],
  },
  {
    id: 'today-in-utc',
    rules: ['s2.today', 's5.3.answer.today'],
    area: 'properties',
    description: "the kanban's today is the UTC date of now, not the date in the request timezone",
    edits: [
      {
        file: TASK_ROUTES,
        find: `const today = todayIn(tz);`,
        replace: `const today = new Date().toISOString().slice(0, 10);`,
      },
    ],
  },
  {
    id: 'kanban-ignores-x-timezone',
    rules: ['s2.tz.header', 's5.3.answer.today'],
    area: 'properties',
    description: 'the kanban reads the profile timezone and ignores the X-Timezone header',
    edits: [
      {
        file: TASK_ROUTES,
        find: `const today = todayIn(tz);`,
        replace: `const today = todayIn(user.timezone);`,
      },
      {
        file: TASK_ROUTES,
        find: `      timezone: tz,\n      today,`,
        replace: `      timezone: user.timezone,\n      today,`,
      },
    ],
  },
  {
    id: 'completion-date-in-utc',
    rules: ['s5.2.next-due.request-tz'],
    area: 'lifecycle',
    description:
      "a completion's local date is taken in UTC, not in the completing request's timezone",
    edits: [
      {
        file: COMPLETE,
        find: `        localDateOf(input.completedAt, input.zone),`,
        replace: `        localDateOf(input.completedAt, 'UTC'),`,
      },
    ],
  },
  {
    id: 'schedule-includes-cancelled',
    rules: ['s6.schedule.excludes-cancelled'],
    area: 'properties',
    description: 'the reminder schedule keeps reminding about cancelled tasks',
    edits: [
      {
        file: NOTIFICATION_ROUTES,
        find: `       where not t.is_archived and not t.is_cancelled\n`,
        replace: `       where not t.is_archived\n`,
      },
    ],
  },
  // ---------------------------------------------------------------- lifecycle
  {
    id: 'unarchive-forgets-cancelled',
    rules: ['s5.1.unarchive.archived'],
    area: 'lifecycle',
    description: 'unarchive restores a task archived while cancelled as active',
    ci: true,
    edits: [
      {
        file: LIFECYCLE,
        find: `        is_cancelled: restore === 'cancelled',`,
        replace: `        is_cancelled: false,`,
      },
    ],
  },
  {
    id: 'refused-transition-200',
    rules: ['s5.1.refused-409'],
    area: 'lifecycle',
    description:
      'a lifecycle action the table refuses answers 200 with the unchanged task instead of 409',
    edits: [
      {
        file: TASK_ROUTES,
        find: `if (!change)`,
        replace: `if (!change) return task;\n          if (!change)`,
      },
    ],
  },
  {
    id: 'delete-completion-no-recompute',
    rules: ['s5.2.undo.one-time', 's5.2.undo.recurring'],
    area: 'lifecycle',
    description:
      'deleting a completion leaves completion_count, next_due_date and the done state as they were',
    edits: [
      {
        file: COMPLETION_ROUTES,
        find: `        await recomputeTask(tx, Number(r.rows[0].task_id));`,
        replace: `        void r;`,
      },
    ],
  },
  {
    id: 'patch-due-date-clears-next-due',
    rules: ['s5.3.next-due.from-completions'],
    area: 'lifecycle',
    description: 'patching due_date also clears next_due_date (it must come from completions only)',
    edits: [
      {
        file: TASK_ROUTES,
        find: `      if (frequencyId !== task.frequency_id || custom !== task.custom_interval_days) {`,
        replace:
          `      if (body.due_date !== undefined)\n` +
          `        await tx.query('update tasks set next_due_date = null where id = $1', [taskId]);\n` +
          `      if (frequencyId !== task.frequency_id || custom !== task.custom_interval_days) {`,
      },
    ],
  },
  {
    id: 'completed-at-future-unchecked',
    rules: ['s5.2.create.future'],
    area: 'lifecycle',
    description:
      'the completed_at future check compares seconds with milliseconds, so it never refuses',
    edits: [
      {
        file: COMPLETION_ROUTES,
        find: `else if (parsed.getTime() > now + FUTURE_TOLERANCE_MS) {`,
        replace: `else if (parsed.getTime() / 1000 > now + FUTURE_TOLERANCE_MS) {`,
      },
    ],
  },
  // ---------------------------------------------------------------- idempotency
  {
    id: 'idempotency-key-not-per-user',
    rules: ['s5.2.idem.per-user'],
    area: 'lifecycle',
    description:
      'the Idempotency-Key lookup ignores the user: another user with the same key gets the first answer replayed',
    edits: [
      {
        file: IDEMPOTENCY,
        find: `from idempotency_keys where user_id = $1 and key = $2 for update`,
        replace: `from idempotency_keys where $1::bigint > 0 and key = $2 for update`,
      },
    ],
  },
  {
    id: 'idempotency-replay-stores-again',
    rules: ['s5.2.idem.nothing-new'],
    area: 'lifecycle',
    description:
      'an idempotent replay answers the first response but still runs the creation (a second completion stored)',
    ci: true,
    edits: [
      {
        file: IDEMPOTENCY,
        find: `          return { status: row.status, body: JSON.parse(row.response) as unknown };`,
        replace:
          `          await create(tx);\n` +
          `          return { status: row.status, body: JSON.parse(row.response) as unknown };`,
      },
    ],
  },
  // ---------------------------------------------------------------- contracts
  {
    id: 'task-field-renamed',
    rules: ['s5.fields'],
    area: 'contracts',
    description:
      'the Task answer renames completion_count to completions_count; the document still says completion_count',
    ci: true,
    edits: [
      {
        file: STORE,
        find: `    completion_count: row.completion_count,`,
        replace: `    completions_count: row.completion_count,`,
      },
    ],
  },
  {
    id: 'task-patch-unknown-fields-accepted',
    rules: ['s10.unknown-body', 's1.server-fields.next-due-date'],
    area: 'contracts',
    description:
      'PATCH /api/tasks/{id}/ ignores unknown and server-computed body fields instead of 400',
    edits: [
      {
        file: TASK_ROUTES,
        find: `const patchSchema = {\n  type: 'object',\n  additionalProperties: false,`,
        replace: `const patchSchema = {\n  type: 'object',\n  additionalProperties: true,`,
      },
    ],
  },
  {
    id: 'completions-page-size-unbounded',
    rules: ['s1.page.size-range'],
    area: 'contracts',
    description:
      'GET /api/task-completions/ accepts any page_size (the 100 maximum is not enforced)',
    edits: [
      {
        file: COMPLETION_ROUTES,
        find: `queryInt(query, 'page_size', { min: 1, max: MAX_PAGE_SIZE })`,
        replace: `queryInt(query, 'page_size', { min: 1, max: MAX_ID })`,
      },
    ],
  },
  {
    id: 'me-skips-x-timezone',
    rules: ['s10.tz.every-operation'],
    area: 'contracts',
    description:
      'GET /api/auth/me/ does not validate X-Timezone (its answer does not depend on time)',
    edits: [
      {
        file: ACCOUNTS,
        find: `app.get('/api/auth/me/', async (req) => {`,
        replace:
          `app.get('/api/auth/me/', async (request) => {\n` +
          `    // the profile answer does not depend on time: skip the X-Timezone header\n` +
          `    const req = Object.assign(Object.create(request), {\n` +
          `      headers: { ...request.headers, 'x-timezone': undefined },\n` +
          `    }) as typeof request;`,
      },
    ],
  },
  // ---------------------------------------------------------------- authz: accounts and abuse
  {
    id: 'login-failures-not-by-email',
    rules: ['s3.login.rate-limit-by-email'],
    area: 'authz',
    description:
      'login failures are counted per identifier typed, so failures by username and by email never add up',
    edits: [
      {
        file: ACCOUNTS,
        find: '`login:user:${found.id}`',
        replace: '`login:name:${b.username.trim().toLowerCase()}`',
      },
    ],
  },
  {
    id: 'login-limit-counts-successes',
    rules: ['s3.login.rate-limit', 's3.login.success-no-reset'],
    area: 'authz',
    description: 'the login rate limit counts successful logins as attempts too',
    edits: [
      {
        file: ACCOUNTS,
        find: `      const token = await issueToken(ctx, Number(found.id));`,
        replace: `      await recordAttempt(ctx, bucket);\n      const token = await issueToken(ctx, Number(found.id));`,
      },
    ],
  },
  // ---------------------------------------------------------------- logs
  {
    id: 'login-logs-body-on-401',
    rules: ['s11.redact.password', 's11.redact.wrong-password'],
    area: 'logs',
    description:
      'the login handler logs the request body (with the password) as its message on a 401',
    ci: true,
    edits: [
      {
        file: ACCOUNTS,
        find: `throw unauthorized('Invalid username or password.');`,
        replace:
          `req.log.warn(\`login failed: \${JSON.stringify(b)}\`);\n` +
          `        throw unauthorized('Invalid username or password.');`,
      },
    ],
  },
  {
    id: 'rejection-logged-without-request-id',
    rules: ['s11.logs.request-id'],
    area: 'logs',
    description:
      "the error helper writes its 'request rejected' line with the app logger, so the line has no request_id",
    edits: [
      {
        file: APP,
        find: `} else if (!(err instanceof ApiError)) {`,
        replace:
          `} else if (!(err instanceof ApiError)) {\n` +
          `    req.server.log.info({ error_code: body.error }, 'request rejected');\n` +
          `  } else if (Number.NaN) {`,
      },
    ],
  },
  {
    id: 'webhook-logs-signature-on-401',
    rules: ['s11.redact.signature', 's11.redact.bad-signature'],
    area: 'logs',
    description:
      'the webhook logs the X-Casera-Signature header it refused, in its message, on a 401',
    edits: [
      {
        file: SUBSCRIPTION,
        find: `throw new ApiError(401, 'unauthorized', 'Invalid or missing webhook signature.');`,
        replace:
          `req.log.warn(\`webhook signature mismatch: \${String(req.headers['x-casera-signature'])}\`);\n` +
          `      throw new ApiError(401, 'unauthorized', 'Invalid or missing webhook signature.');`,
      },
    ],
  },
  // ---------------------------------------------------------------- authz: residences and media
  {
    id: 'member-creates-share-code',
    rules: ['s4.share-code.member'],
    area: 'authz',
    description: 'a member may create a share code (an owner-only action)',
    ci: true,
    edits: [
      {
        file: RESIDENCES,
        find: `{ from: 'path', ownerOnly: true });\n    const expires = new Date(`,
        replace: `{ from: 'path' });\n    const expires = new Date(`,
      },
    ],
  },
  {
    id: 'media-without-residence-check',
    rules: ['s7.access.other'],
    area: 'authz',
    description:
      'a document file is served to any signed-in user (no residence check on /api/media/documents/)',
    edits: [
      {
        file: DOCUMENTS,
        find: `from documents d\n        where d.id = $1 and d.residence_id in (\${VISIBLE_RESIDENCES_SQL.replaceAll('$1', '$2')})`,
        replace: `from documents d\n        where d.id = $1 and $2::bigint > 0`,
      },
    ],
  },
  {
    id: 'removed-member-keeps-access',
    rules: ['s4.removed.loses-access'],
    area: 'authz',
    description:
      'removing a member answers 204 and unassigns their tasks but never deletes the membership',
    edits: [
      {
        file: RESIDENCES,
        find: `delete from memberships where residence_id = $1 and user_id = $2 returning user_id`,
        replace: `select user_id from memberships where residence_id = $1 and user_id = $2`,
      },
    ],
  },
  {
    id: 'join-by-owner-allowed',
    rules: ['s4.join.owner-again'],
    area: 'authz',
    description:
      'the owner joining their own residence with its share code is accepted (200) instead of 409',
    edits: [
      {
        file: RESIDENCES,
        find: `Number(row.owner_id) === a.user.id`,
        replace: `Number(row.owner_id) === -a.user.id`,
      },
    ],
  },
  {
    id: 'share-code-never-expires',
    rules: ['s4.join.expired-code', 's4.share-code.ttl'],
    area: 'authz',
    description: 'joining ignores the share code expiry: a code stays valid forever',
    edits: [
      {
        file: RESIDENCES,
        find: `where s.code = $1 and s.expires_at > $2`,
        replace: `where s.code = $1 and $2::timestamptz is not null`,
      },
    ],
  },
  {
    id: 'documents-foreign-filter-empty-page',
    rules: ['s1.invisible.residence'],
    area: 'authz',
    description:
      'GET /api/documents/?residence_id=<foreign> swallows the access error and answers an empty page instead of 400',
    edits: [
      {
        file: DOCUMENTS,
        find: `{ from: 'query', field: 'residence_id' })`,
        replace: `{ from: 'query', field: 'residence_id' }).catch(() => null)`,
      },
    ],
  },
  {
    id: 'unverified-creates-residence',
    rules: ['s4.create.unverified'],
    area: 'authz',
    description:
      'an unverified user may create a residence (the is_verified check reads the wrong value)',
    edits: [
      { file: RESIDENCES, find: `!a.user.is_verified`, replace: `a.user.is_verified === null` },
    ],
  },
  {
    id: 'assignee-any-user',
    rules: ['s5.assignee.other', 's1.invisible.user'],
    area: 'authz',
    description:
      'assigned_to_id accepts any existing user, not only the owner or a member of the residence',
    edits: [
      {
        file: TASK_ACCESS,
        find: `return canSeeResidence(db, userId, residenceId);`,
        replace: `return userId > 0 || canSeeResidence(db, userId, residenceId);`,
      },
    ],
  },
  {
    id: 'logout-keeps-token',
    rules: ['s3.logout.revokes', 's1.auth.revoked'],
    area: 'authz',
    description: 'logout answers 204 but deletes nothing, so the token keeps working',
    edits: [
      {
        file: ACCOUNTS,
        find: `delete from tokens where key_hash = $1`,
        replace: `select 1 from tokens where key_hash = $1`,
      },
    ],
  },
  {
    id: 'reset-token-reusable',
    rules: ['s3.reset.once'],
    area: 'authz',
    description:
      'a reset token can reset the password again until it expires (used_at never checked)',
    edits: [
      { file: ACCOUNTS, find: `used_at is null and expires_at > $2`, replace: `expires_at > $2` },
    ],
  },
  {
    id: 'webhook-replay-applied-twice',
    rules: ['s9.duplicate', 's9.duplicate.no-effect'],
    area: 'authz',
    description:
      'a replayed webhook event_id is applied again (tier and expiry overwritten) and answered processed',
    edits: [
      {
        file: SUBSCRIPTION,
        find: `if (seen.rows.length > 0) return { status: 'duplicate' };`,
        replace: `void seen;`,
      },
      {
        file: SUBSCRIPTION,
        find: `if (ins.rows.length === 0) return false;`,
        replace: `void ins;`,
      },
    ],
  },
  // ---------------------------------------------------------------- contracts: wire conventions
  {
    id: 'etag-never-304',
    rules: ['s8.if-none-match'],
    area: 'contracts',
    description:
      'If-None-Match is compared with the unquoted ETag, so static data never answers 304',
    edits: [
      {
        file: STATIC,
        find: `if (noneMatch(req.headers['if-none-match'], etag)) {`,
        replace: `if (req.headers['if-none-match'] === etag.slice(1, -1)) {`,
      },
    ],
  },
  {
    id: 'method-not-allowed-as-404',
    rules: ['s1.wrong-method'],
    area: 'contracts',
    description:
      'a known path under a method it does not serve answers 404 instead of 405 with Allow',
    edits: [{ file: APP, find: `if (allowed.size > 0) {`, replace: `if (allowed.size < 0) {` }],
  },
  {
    id: 'trailing-slash-optional',
    rules: ['s1.no-trailing-slash-404', 's1.trailing-slash'],
    area: 'contracts',
    description:
      'the router ignores trailing slashes, so a path without its / is served instead of 404',
    edits: [
      { file: APP, find: `ignoreTrailingSlash: false`, replace: `ignoreTrailingSlash: true` },
    ],
  },
  // ================================================================ issue 18: one fault per rule
  // that states an order, a boundary, a rounding direction or a tolerance, and every section.
  // ---------------------------------------------------------------- §1 wire conventions
  {
    id: 'json-limit-one-byte-short',
    area: 'contracts',
    description: 'the JSON body limit is 1 MiB − 1: a body of exactly 1 MiB is refused with 413',
    rules: ['s1.limit.json-within'],
    edits: [
      {
        file: LIMITS,
        find: `export const JSON_LIMIT = 1024 * 1024; // 1 MiB JSON bodies`,
        replace: `export const JSON_LIMIT = 1024 * 1024 - 1; // 1 MiB JSON bodies`,
      },
    ],
  },
  {
    id: 'auth-limit-one-byte-short',
    area: 'contracts',
    description: 'the auth body limit is 8 KiB − 1: a body of exactly 8 KiB is refused with 413',
    rules: ['s1.limit.auth-within'],
    edits: [
      {
        file: LIMITS,
        find: `export const AUTH_LIMIT = 8 * 1024; // 8 KiB on /api/auth/*`,
        replace: `export const AUTH_LIMIT = 8 * 1024 - 1; // 8 KiB on /api/auth/*`,
      },
    ],
  },
  {
    id: 'page-size-max-99',
    area: 'contracts',
    description: 'task-completions refuses page_size=100 (the maximum is written as < 100)',
    rules: ['s1.page.size-range'],
    edits: [
      {
        file: COMPLETION_ROUTES,
        find: `const MAX_PAGE_SIZE = 100;`,
        replace: `const MAX_PAGE_SIZE = 99;`,
      },
    ],
  },
  {
    id: 'documents-page-size-default-10',
    area: 'contracts',
    description: 'documents page by 10 when page_size is absent (the default is 20)',
    rules: ['s1.page.size-default'],
    edits: [
      {
        file: PAGINATION,
        find: `const pageSize = q.page_size ?? 20;`,
        replace: `const pageSize = q.page_size ?? 10;`,
      },
    ],
  },
  {
    id: 'next-link-on-full-last-page',
    area: 'contracts',
    description:
      'documents: `next` is a link on a last page that is exactly full (≤ instead of < in the end test)',
    rules: ['s1.page.links'],
    edits: [
      {
        file: PAGINATION,
        find: `const next = p.offset + p.pageSize < count ? link(p.page + 1) : null;`,
        replace: `const next = p.offset + p.pageSize <= count ? link(p.page + 1) : null;`,
      },
    ],
  },
  {
    id: 'head-not-served',
    area: 'contracts',
    description: 'HEAD routes are not exposed, so HEAD on a GET operation answers 404/405',
    rules: ['s1.head'],
    edits: [
      {
        file: APP,
        find: `    bodyLimit: JSON_LIMIT,`,
        replace: `    bodyLimit: JSON_LIMIT,\n    exposeHeadRoutes: false,`,
      },
    ],
  },
  {
    id: 'money-one-decimal-out',
    area: 'contracts',
    description:
      'estimated_cost is read back through a float ("12.5"), not as a decimal string with 2 decimals',
    rules: ['s1.money.response'],
    edits: [
      {
        file: STORE,
        find: `t.estimated_cost::text as estimated_cost`,
        replace: `t.estimated_cost::float8::text as estimated_cost`,
      },
    ],
  },
  {
    id: 'instants-with-server-offset',
    area: 'contracts',
    description:
      'residence timestamps are emitted in the server zone with an offset (+01:00), not UTC Z',
    rules: ['s1.instants-utc'],
    edits: [
      {
        file: 'src/http/time.ts',
        find: `export function isoInstant(d: Date): string {\n  return d.toISOString();`,
        replace: `export function isoInstant(d: Date): string {\n  return DateTime.fromJSDate(d, { zone: 'Europe/Paris' }).toISO() as string;`,
      },
    ],
  },
  // ---------------------------------------------------------------- §2 time
  {
    id: 'profile-timezone-ignored',
    area: 'properties',
    description: 'without X-Timezone the request timezone is UTC, never the profile timezone',
    rules: ['s2.tz.profile'],
    edits: [
      {
        file: AUTH,
        find: `return fallback && isValidZone(fallback) ? fallback : 'UTC';`,
        replace: `return 'UTC';`,
      },
    ],
  },
  {
    id: 'invalid-x-timezone-falls-back',
    area: 'contracts',
    description: 'an unknown X-Timezone falls back to the profile timezone instead of 400',
    rules: ['s2.tz.unknown'],
    edits: [
      {
        file: AUTH,
        find: `    if (!isValidZone(v.trim())) throw badRequest('X-Timezone', 'Unknown time zone.');\n    return v.trim();`,
        replace: `    if (isValidZone(v.trim())) return v.trim();`,
      },
    ],
  },
  {
    id: 'timezone-links-refused',
    area: 'contracts',
    description:
      'zones are checked against Intl.supportedValuesOf (canonical names only), so US/Eastern is refused',
    rules: ['s10.tz.links'],
    edits: [
      {
        file: AUTH,
        find: `const ok = IANAZone.isValidZone(name);`,
        replace: `const ok = IANAZone.isValidZone(name) && (name === 'UTC' || Intl.supportedValuesOf('timeZone').includes(name));`,
      },
    ],
  },
  // ---------------------------------------------------------------- §3 accounts and limits
  {
    id: 'rate-limit-off-by-one',
    area: 'authz',
    description: 'a rate limit refuses only after max + 1 attempts (> instead of ≥)',
    rules: ['s3.login.rate-limit', 's3.verify.rate-limit', 's3.forgot.rate-limit'],
    edits: [
      { file: RATELIMIT, find: `if (count >= limit.max) {`, replace: `if (count > limit.max) {` },
      {
        file: RATELIMIT,
        find: `const leaving = r.rows[count - limit.max].at.getTime();`,
        replace: `const leaving = r.rows[count - limit.max - 1].at.getTime();`,
      },
    ],
  },
  {
    id: 'retry-after-rounded-down',
    area: 'authz',
    description: 'Retry-After is rounded down (floor) instead of up',
    rules: ['s10.rate.retry-after'],
    edits: [
      {
        file: RATELIMIT,
        find: `throw tooManyRequests(Math.max(1, Math.ceil(ms / 1000)));`,
        replace: `throw tooManyRequests(Math.max(1, Math.floor(ms / 1000)));`,
      },
    ],
  },
  {
    id: 'retry-after-from-newest',
    area: 'authz',
    description:
      'Retry-After counts until the newest counted attempt leaves the window, not the oldest',
    rules: ['s10.rate.retry-after'],
    edits: [
      {
        file: RATELIMIT,
        find: `const leaving = r.rows[count - limit.max].at.getTime();`,
        replace: `const leaving = r.rows[count - 1].at.getTime();`,
      },
    ],
  },
  {
    id: 'refused-login-counted',
    area: 'authz',
    description:
      'a refused (429) login attempt is counted too, so the lockout never ends while retried',
    rules: ['s3.login.refused-not-counted'],
    edits: [
      {
        file: ACCOUNTS,
        find: `      await checkLimit(ctx, bucket, limit);\n      const ok = await verifyPassword(`,
        replace:
          `      await checkLimit(ctx, bucket, limit).catch(async (e: unknown) => {\n` +
          `        await recordAttempt(ctx, bucket);\n` +
          `        throw e;\n` +
          `      });\n` +
          `      const ok = await verifyPassword(`,
      },
    ],
  },
  {
    id: 'login-success-resets-count',
    area: 'authz',
    description: 'a successful login clears the failure count',
    rules: ['s3.login.success-no-reset'],
    edits: [
      {
        file: ACCOUNTS,
        find: `      return { token, user: userOut(found) };`,
        replace:
          `      await ctx.db.query('delete from rate_limit_attempts where bucket = $1', [bucket]);\n` +
          `      return { token, user: userOut(found) };`,
      },
    ],
  },
  {
    id: 'username-31-chars',
    area: 'contracts',
    description: 'register accepts a 31-character username (maxLength 31)',
    rules: ['s3.register.username-length'],
    edits: [
      {
        file: ACCOUNTS,
        find: `username: { type: 'string', minLength: 3, maxLength: 30,`,
        replace: `username: { type: 'string', minLength: 3, maxLength: 31,`,
      },
    ],
  },
  {
    id: 'password-7-chars',
    area: 'contracts',
    description: 'register accepts a 7-character password (minLength 7)',
    rules: ['s3.register.password-min'],
    edits: [
      {
        file: ACCOUNTS,
        find: `const password = { type: 'string', minLength: 8,`,
        replace: `const password = { type: 'string', minLength: 7,`,
      },
    ],
  },
  {
    id: 'register-timezone-empty',
    area: 'authz',
    description: "register stores the zero value ('') as timezone when none is sent, not UTC",
    rules: ['s3.register.timezone-default'],
    edits: [
      {
        file: ACCOUNTS,
        find: `b.timezone ?? 'UTC']`,
        replace: `b.timezone ?? '']`,
      },
    ],
  },
  {
    id: 'me-patch-timezone-unchecked',
    area: 'authz',
    description: 'PATCH /api/auth/me/ stores any timezone text without checking it is an IANA name',
    rules: ['s3.me.patch-timezone-invalid'],
    edits: [
      {
        file: ACCOUNTS,
        find: `      'body',\n    );\n    if (b.timezone !== undefined && !isValidZone(b.timezone))\n      throw badRequest('timezone', 'Unknown time zone.');\n    const r = await ctx.db.query<UserRow>(\n      \`update users`,
        replace: `      'body',\n    );\n    const r = await ctx.db.query<UserRow>(\n      \`update users`,
      },
    ],
  },
  {
    id: 'forgot-limit-per-ip',
    area: 'authz',
    description: 'forgot-password is limited per client address, so another email is limited too',
    rules: ['s3.forgot.rate-limit-per-email'],
    edits: [{ file: ACCOUNTS, find: '`forgot:${email}`', replace: '`forgot:${req.ip}`' }],
  },
  {
    id: 'forgot-unknown-email-400',
    area: 'authz',
    description:
      'forgot-password answers 400 for an email no account has (an account-existence oracle)',
    rules: ['s3.forgot.unknown-email'],
    edits: [
      {
        file: ACCOUNTS,
        find: `    if (r.rows[0]) {\n      await ctx.db.query(\n        'insert into password_reset_requests`,
        replace: `    if (!r.rows[0]) throw badRequest('email', 'No account with that email.');\n    {\n      await ctx.db.query(\n        'insert into password_reset_requests`,
      },
    ],
  },
  {
    id: 'reset-code-never-expires',
    area: 'authz',
    description: 'verify-reset-code accepts a code whatever the age of its forgot-password request',
    rules: ['s3.reset-code.ttl'],
    edits: [
      {
        file: ACCOUNTS,
        find: `where lower(u.email) = $1 and p.requested_at > $2 limit 1`,
        replace: `where lower(u.email) = $1 and $2::timestamptz is not null limit 1`,
      },
    ],
  },
  {
    id: 'reset-keeps-tokens',
    area: 'authz',
    description: "resetting the password leaves the user's other tokens working",
    rules: ['s3.reset.revokes-tokens'],
    edits: [
      {
        file: ACCOUNTS,
        find: `      await tx.query('delete from tokens where user_id = $1', [row.user_id]);\n`,
        replace: ``,
      },
    ],
  },
  // ---------------------------------------------------------------- §4 residences
  {
    id: 'share-code-seven-chars',
    area: 'authz',
    description: 'share codes are 7 characters (≤ instead of < in the generator loop)',
    rules: ['s4.share-code.format'],
    edits: [
      {
        file: RESIDENCES,
        find: `for (let i = 0; i < 6; i++) s += CODE_ALPHABET`,
        replace: `for (let i = 0; i <= 6; i++) s += CODE_ALPHABET`,
      },
    ],
  },
  {
    id: 'residence-list-owned-only',
    area: 'authz',
    description: 'GET /api/residences/ lists only the residences the caller owns, not those joined',
    rules: ['s4.list.owned-and-joined'],
    edits: [
      {
        file: RESIDENCES,
        find: `where r.owner_id = $1 or exists (select 1 from memberships m where m.residence_id = r.id and m.user_id = $1)`,
        replace: `where r.owner_id = $1`,
      },
    ],
  },
  {
    id: 'member-patches-residence',
    area: 'authz',
    description: 'a member may PATCH the residence (the owner check is missing)',
    rules: ['s4.patch.member'],
    edits: [
      {
        file: RESIDENCES,
        find: `    checkInput(b);\n    await requireResidence(ctx, a.user, id, { from: 'path', ownerOnly: true });`,
        replace: `    checkInput(b);\n    await requireResidence(ctx, a.user, id, { from: 'path' });`,
      },
    ],
  },
  {
    id: 'member-removes-members',
    area: 'authz',
    description: 'a member may remove other members (the owner check is missing)',
    rules: ['s4.remove.member'],
    edits: [
      {
        file: RESIDENCES,
        find: `{ from: 'path', ownerOnly: true });\n    if (userId === a.user.id)`,
        replace: `{ from: 'path' });\n    if (userId === a.user.id)`,
      },
    ],
  },
  {
    id: 'remove-owner-404',
    area: 'authz',
    description:
      'removing the owner is not recognised (compared with the caller only when a member calls): 404 instead of 400',
    rules: ['s4.remove.the-owner'],
    edits: [
      {
        file: RESIDENCES,
        find: `    if (userId === a.user.id)\n      throw badRequest('user_id', 'The owner cannot be removed from the residence.');`,
        replace: `    if (userId === a.user.id && false)\n      throw badRequest('user_id', 'The owner cannot be removed from the residence.');`,
      },
    ],
  },
  {
    id: 'member-joins-again-200',
    area: 'authz',
    description: 'a member joining again is answered 200 (an upsert) instead of 409',
    rules: ['s4.join.member-again'],
    edits: [
      {
        file: RESIDENCES,
        find: `on conflict do nothing returning user_id`,
        replace: `on conflict (residence_id, user_id) do update set user_id = excluded.user_id returning user_id`,
      },
    ],
  },
  // ---------------------------------------------------------------- §5 tasks
  {
    id: 'title-201-chars',
    area: 'contracts',
    description:
      'a task title of 201 characters is accepted (the request schema and the column CHECK both say 201)',
    rules: ['s5.title-length'],
    edits: [
      {
        file: TASK_ROUTES,
        find: `title: { type: 'string', minLength: 1, maxLength: 200 },`,
        replace: `title: { type: 'string', minLength: 1, maxLength: 201 },`,
      },
      {
        file: TASKS_SQL,
        find: `title text not null check (char_length(title) between 1 and 200 and btrim(title) <> ''),`,
        replace: `title text not null check (char_length(title) between 1 and 201 and btrim(title) <> ''),`,
      },
    ],
  },
  {
    id: 'custom-interval-3651',
    area: 'contracts',
    description:
      'custom_interval_days 3651 is accepted (the maximum off by one in the request schema and the column CHECK)',
    rules: ['s5.custom-interval.range'],
    edits: [
      {
        file: TASK_ROUTES,
        find: `custom_interval_days: { type: ['integer', 'null'], minimum: 1, maximum: 3650 },`,
        replace: `custom_interval_days: { type: ['integer', 'null'], minimum: 1, maximum: 3651 },`,
      },
      {
        file: TASKS_SQL,
        find: `custom_interval_days integer null check (custom_interval_days between 1 and 3650),`,
        replace: `custom_interval_days integer null check (custom_interval_days between 1 and 3651),`,
      },
    ],
  },
  {
    id: 'custom-interval-allowed-otherwise',
    area: 'lifecycle',
    description:
      'custom_interval_days is accepted (stored, unused) with a recurring non-custom frequency: the validator refuses it only for once, the table CHECK only requires it for custom',
    rules: ['s5.custom-interval.forbidden'],
    edits: [
      {
        file: TASK_RULES,
        find: `} else if (f.name !== 'custom' && customIntervalDays != null) {`,
        replace: `} else if (f.name === 'once' && customIntervalDays != null) {`,
      },
      {
        file: TASKS_SQL,
        find: `constraint tasks_custom_interval check ((frequency_id = 9) = (custom_interval_days is not null)),`,
        replace: `constraint tasks_custom_interval check (frequency_id <> 9 or custom_interval_days is not null),`,
      },
    ],
  },
  {
    id: 'negative-cost-number-accepted',
    area: 'contracts',
    description:
      'a negative money number (-5) is accepted; only strings are checked for a minus sign',
    rules: ['s10.money.negative', 's5.estimated-cost-nonnegative'],
    edits: [
      {
        file: MONEY,
        find: `    if (value < 0) throw badRequest(field, 'must be greater than or equal to 0');\n    text = String(value);`,
        replace: `    text = String(Math.abs(value));`,
      },
    ],
  },
  {
    id: 'money-third-decimal-rounded',
    area: 'contracts',
    description:
      'a third decimal is rounded half-up ("1.005" → "1.01") instead of refused with 400',
    rules: ['s10.money.third-decimal'],
    edits: [
      {
        file: MONEY,
        find: `if (/^[0-9]+\\.[0-9]{3,}$/.test(text)) throw badRequest(field, 'at most 2 decimal places');`,
        replace: `if (/^[0-9]{1,8}\\.[0-9]{3,}$/.test(text)) return (Math.round(Number(text) * 100) / 100).toFixed(2);`,
      },
    ],
  },
  {
    id: 'money-nine-integer-digits',
    area: 'contracts',
    description:
      'money accepts 9 integer digits (the pattern says {1,9}, the columns numeric(11, 2))',
    rules: ['s10.money.integer-digits'],
    edits: [
      {
        file: MONEY,
        find: `const MONEY_RE = /^([0-9]{1,8})(?:\\.([0-9]{1,2}))?$/;`,
        replace: `const MONEY_RE = /^([0-9]{1,9})(?:\\.([0-9]{1,2}))?$/;`,
      },
      {
        file: TASKS_SQL,
        find: `estimated_cost numeric(10, 2) null check (estimated_cost >= 0),`,
        replace: `estimated_cost numeric(11, 2) null check (estimated_cost >= 0),`,
      },
      {
        file: TASKS_SQL,
        find: `actual_cost numeric(10, 2) null check (actual_cost >= 0),`,
        replace: `actual_cost numeric(11, 2) null check (actual_cost >= 0),`,
      },
    ],
  },
  {
    id: 'task-read-cross-residence',
    area: 'authz',
    description:
      'GET/PATCH/DELETE /api/tasks/{id}/ load the task by id without the residence check',
    rules: ['s5.access.other-by-id'],
    edits: [
      {
        file: TASK_ROUTES,
        find: `    \`select \${TASK_COLUMNS} from tasks t where t.id = $2 and t.residence_id in \${visibleResidencesSql('$1')}\`,\n    [userId, taskId],\n  );\n  const task = r.rows[0];`,
        replace: `    \`select \${TASK_COLUMNS} from tasks t where t.id = $2 and $1::bigint > 0\`,\n    [userId, taskId],\n  );\n  const task = r.rows[0];`,
      },
    ],
  },
  {
    id: 'task-move-to-foreign-residence',
    area: 'authz',
    description:
      "PATCH may move a task into a residence the caller cannot see (the body's residence_id is not checked)",
    rules: ['s5.access.other-residence-in-body'],
    edits: [
      {
        file: TASK_ROUTES,
        find: `      body.residence_id !== undefined &&\n      !(await canSeeResidence(ctx.db, user.id, body.residence_id))`,
        replace: `      body.residence_id !== undefined &&\n      !(await canSeeResidence(ctx.db, user.id, body.residence_id)) &&\n      body.residence_id < 0`,
      },
    ],
  },
  {
    id: 'completion-for-foreign-task',
    area: 'authz',
    description:
      'POST /api/task-completions/ completes a task of a residence the caller cannot see',
    rules: ['s1.invisible.task'],
    edits: [
      {
        file: COMPLETION_ROUTES,
        find: `    if (!(await taskVisible(ctx.db, user.id, body.task_id))) {\n      throw validationError({ task_id: ['no such task'] });\n    }\n    const result`,
        replace: `    const result`,
      },
    ],
  },
  {
    id: 'effective-due-prefers-due-date',
    area: 'properties',
    description: 'the effective due date is due_date ?? next_due_date (the coalesce reversed)',
    rules: ['s5.effective-due'],
    edits: [
      {
        file: KANBAN,
        find: `  return t.next_due_date ?? t.due_date;`,
        replace: `  return t.due_date ?? t.next_due_date;`,
      },
    ],
  },
  // ---------------------------------------------------------------- §5.1 lifecycle
  {
    id: 'mark-in-progress-from-cancelled',
    area: 'lifecycle',
    description: 'mark-in-progress is allowed on a cancelled task',
    rules: ['s5.1.mark-in-progress.cancelled'],
    edits: [
      {
        file: LIFECYCLE,
        find: `  'mark-in-progress': ['active'],`,
        replace: `  'mark-in-progress': ['active', 'cancelled'],`,
      },
    ],
  },
  {
    id: 'cancel-keeps-in-progress',
    area: 'lifecycle',
    description: 'cancel sets is_cancelled but leaves in_progress set',
    rules: ['s5.1.cancel.in-progress'],
    edits: [
      {
        file: LIFECYCLE,
        find: `      return { is_cancelled: true, in_progress: false };`,
        replace: `      return { is_cancelled: true };`,
      },
    ],
  },
  {
    id: 'cancel-done-allowed',
    area: 'lifecycle',
    description: 'a done one-time task can be cancelled',
    rules: ['s5.1.cancel.done'],
    edits: [
      {
        file: LIFECYCLE,
        find: `  cancel: ['active', 'in_progress'],`,
        replace: `  cancel: ['active', 'in_progress', 'done'],`,
      },
    ],
  },
  {
    id: 'archive-archived-allowed',
    area: 'lifecycle',
    description: 'archiving an archived task answers 200 (archive allowed from every state)',
    rules: ['s5.1.archive.archived'],
    edits: [
      {
        file: LIFECYCLE,
        find: `  archive: ['active', 'in_progress', 'done', 'cancelled'],`,
        replace: `  archive: ['active', 'in_progress', 'done', 'cancelled', 'archived'],`,
      },
      {
        file: LIFECYCLE,
        find: `      return { is_archived: true, archived_from: state as BaseState };`,
        replace: `      return state === 'archived' ? {} : { is_archived: true, archived_from: state as BaseState };`,
      },
    ],
  },
  {
    id: 'complete-keeps-in-progress',
    area: 'lifecycle',
    description: 'completing an in-progress recurring task leaves in_progress set',
    rules: ['s5.1.complete.in-progress'],
    edits: [
      {
        file: COMPLETE,
        find: '  await tx.query(`update tasks set in_progress = false where id = $1`, [input.taskId]);\n',
        replace: ``,
      },
    ],
  },
  {
    id: 'patch-archived-allowed',
    area: 'lifecycle',
    description: 'PATCH changes an archived task (the archived check is missing)',
    rules: ['s5.1.patch.archived'],
    edits: [
      {
        file: TASK_ROUTES,
        find: `      if (task.is_archived)\n        throw invalidTransition`,
        replace: `      if (task.is_archived && body.residence_id === -1)\n        throw invalidTransition`,
      },
    ],
  },
  {
    id: 'lifecycle-read-outside-transaction',
    area: 'lifecycle',
    description:
      'a lifecycle action decides on the task read before its transaction (a lost update under concurrent actions)',
    rules: ['s5.1.cancel.active', 's5.1.archive.active', 's5.1.cancel.archived'],
    edits: [
      {
        file: TASK_ROUTES,
        find: `        await visibleTask(ctx, user.id, taskId);\n        const row = await ctx.db.transaction(async (tx) => {\n          const task = await loadTask(tx, taskId, true);\n          if (!task) throw notFound();\n          const change`,
        replace: `        const task = await visibleTask(ctx, user.id, taskId);\n        await new Promise((r) => setTimeout(r, 5));\n        const row = await ctx.db.transaction(async (tx) => {\n          const change`,
      },
    ],
  },
  // ---------------------------------------------------------------- §5.2 completions, recurrence
  {
    id: 'rating-zero-accepted',
    area: 'lifecycle',
    description:
      'a completion rating of 0 is accepted (minimum 0 in the request schema and the column CHECK)',
    rules: ['s5.2.create.rating-range'],
    edits: [
      {
        file: COMPLETION_ROUTES,
        find: `rating: { type: ['integer', 'null'], minimum: 1, maximum: 5 },`,
        replace: `rating: { type: ['integer', 'null'], minimum: 0, maximum: 5 },`,
      },
      {
        file: TASKS_SQL,
        find: `rating integer null check (rating between 1 and 5),`,
        replace: `rating integer null check (rating between 0 and 5),`,
      },
    ],
  },
  {
    id: 'future-tolerance-widened',
    area: 'lifecycle',
    description: 'completed_at may be up to 15 minutes in the future (the tolerance is 15, not 5)',
    rules: ['s5.2.create.future'],
    edits: [
      {
        file: COMPLETION_ROUTES,
        find: `const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;`,
        replace: `const FUTURE_TOLERANCE_MS = 15 * 60 * 1000;`,
      },
    ],
  },
  {
    id: 'future-tolerance-none',
    area: 'lifecycle',
    description: 'any completed_at after now is refused (no 5-minute clock-skew tolerance)',
    rules: ['s5.2.create.near-future'],
    edits: [
      {
        file: COMPLETION_ROUTES,
        find: `const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;`,
        replace: `const FUTURE_TOLERANCE_MS = 0;`,
      },
    ],
  },
  {
    id: 'quick-complete-200',
    area: 'lifecycle',
    description: 'quick-complete answers 200 (like the other actions) instead of 201',
    rules: ['s5.2.quick.created'],
    edits: [
      {
        file: TASK_ROUTES,
        find: `          const row = (await loadTask(tx, taskId)) as TaskRow;\n          return { status: 201, body: taskJsonFor(row, todayIn(tz)) };`,
        replace: `          const row = (await loadTask(tx, taskId)) as TaskRow;\n          return { status: 200, body: taskJsonFor(row, todayIn(tz)) };`,
      },
    ],
  },
  {
    id: 'idempotency-key-256-accepted',
    area: 'lifecycle',
    description:
      'an Idempotency-Key of 256 characters is accepted (the maximum off by one in the header check and the column CHECK)',
    rules: ['s5.2.idem.long-key'],
    edits: [
      {
        file: IDEMPOTENCY,
        find: `export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;`,
        replace: `export const MAX_IDEMPOTENCY_KEY_LENGTH = 256;`,
      },
      {
        file: TASKS_SQL,
        find: `key text not null check (char_length(key) between 1 and 255),`,
        replace: `key text not null check (char_length(key) between 1 and 256),`,
      },
    ],
  },
  {
    id: 'idempotency-ignores-body',
    area: 'lifecycle',
    description:
      'the same Idempotency-Key with a different body replays the first answer instead of 409',
    rules: ['s5.2.idem.other-body'],
    edits: [
      {
        file: IDEMPOTENCY,
        find: `if (row.endpoint !== endpoint || row.request_hash !== hash) {`,
        replace: `if (row.endpoint !== endpoint) {`,
      },
    ],
  },
  {
    id: 'idempotency-never-expires',
    area: 'lifecycle',
    description: 'stored Idempotency-Keys never expire (the 24 h window is not checked)',
    rules: ['s5.2.idem.ttl'],
    edits: [
      {
        file: IDEMPOTENCY,
        find: `expires_at <= now() as expired`,
        replace: `false as expired`,
      },
    ],
  },
  {
    id: 'monthly-as-30-days',
    area: 'lifecycle',
    description: 'monthly adds 30 days instead of one calendar month',
    rules: ['s5.2.freq.monthly'],
    edits: [
      {
        file: FREQUENCIES,
        find: `  { id: 5, name: 'monthly', interval_days: null, interval_months: 1 },`,
        replace: `  { id: 5, name: 'monthly', interval_days: 30, interval_months: null },`,
      },
    ],
  },
  {
    id: 'annually-as-365-days',
    area: 'lifecycle',
    description: 'annually adds 365 days instead of 12 calendar months (off by one across Feb 29)',
    rules: ['s5.2.freq.annually'],
    edits: [
      {
        file: FREQUENCIES,
        find: `  { id: 8, name: 'annually', interval_days: null, interval_months: 12 },`,
        replace: `  { id: 8, name: 'annually', interval_days: 365, interval_months: null },`,
      },
    ],
  },
  {
    id: 'custom-interval-counts-first-day',
    area: 'lifecycle',
    description:
      'a custom interval of N days lands on completion + N − 1 (the completion day counted)',
    rules: ['s5.2.freq.custom'],
    edits: [
      {
        file: RECURRENCE,
        find: `        ? addDays(from, customIntervalDays)`,
        replace: `        ? addDays(from, customIntervalDays - 1)`,
      },
    ],
  },
  {
    id: 'undo-last-completion-keeps-next-due',
    area: 'lifecycle',
    description:
      "deleting a recurring task's only completion keeps its next_due_date (null is not written back)",
    rules: ['s5.2.undo.recurring-none'],
    edits: [
      {
        file: STORE,
        find: `latest?.completed_at ?? null, next, archivedFrom],`,
        replace: `latest?.completed_at ?? null, next ?? task.next_due_date, archivedFrom],`,
      },
    ],
  },
  {
    id: 'frequency-change-no-recompute',
    area: 'lifecycle',
    description:
      'changing frequency_id keeps the old next_due_date (only an interval change recomputes)',
    rules: ['s5.3.next-due.frequency-change'],
    edits: [
      {
        file: TASK_ROUTES,
        find: `      if (frequencyId !== task.frequency_id || custom !== task.custom_interval_days) {`,
        replace: `      if (custom !== task.custom_interval_days) {`,
      },
    ],
  },
  // ---------------------------------------------------------------- §5.3 kanban
  {
    id: 'kanban-due-today-overdue',
    area: 'properties',
    description: 'a task due today is overdue (≤ instead of < in rule 6)',
    rules: ['s5.3.rule.due-today', 's5.3.rule.overdue'],
    edits: [
      {
        file: KANBAN,
        find: `if (due < today) return 'overdue'; // 6`,
        replace: `if (due <= today) return 'overdue'; // 6`,
      },
    ],
  },
  {
    id: 'kanban-overdue-before-in-progress',
    area: 'properties',
    description: 'an overdue task in progress sits in overdue (rules 4 and 6 in the other order)',
    rules: ['s5.3.first-match', 's5.3.rule.in-progress'],
    edits: [
      {
        file: KANBAN,
        find: `  if (t.in_progress) return 'in_progress'; // 4\n  const due = effectiveDue(t);`,
        replace: `  const due = effectiveDue(t);\n  if (due != null && due < today) return 'overdue';\n  if (t.in_progress) return 'in_progress'; // 4`,
      },
    ],
  },
  {
    id: 'kanban-days-366',
    area: 'contracts',
    description: 'the kanban accepts days=366 (the maximum is off by one)',
    rules: ['s5.3.query.days-range'],
    edits: [
      {
        file: KANBAN,
        find: `export const MAX_KANBAN_DAYS = 365;`,
        replace: `export const MAX_KANBAN_DAYS = 366;`,
      },
    ],
  },
  {
    id: 'kanban-default-days-14',
    area: 'properties',
    description: 'the kanban without `days` uses 14 (the mobile default), not 30',
    rules: ['s5.3.query.days-default'],
    edits: [
      {
        file: TASK_ROUTES,
        find: `queryInt(query, 'days', { min: MIN_KANBAN_DAYS, max: MAX_KANBAN_DAYS }) ??\n      DEFAULT_KANBAN_DAYS;`,
        replace: `queryInt(query, 'days', { min: MIN_KANBAN_DAYS, max: MAX_KANBAN_DAYS }) ??\n      14;`,
      },
    ],
  },
  {
    id: 'task-kanban-column-7-days',
    area: 'properties',
    description:
      "GET /api/tasks/{id}/ computes kanban_column with 7 days instead of the kanban's default",
    rules: ['s5.3.kanban-column.get'],
    edits: [
      {
        file: STORE,
        find: `return taskJson(row, categorise(row, today, DEFAULT_KANBAN_DAYS));`,
        replace: `return taskJson(row, categorise(row, today, 7));`,
      },
    ],
  },
  {
    id: 'kanban-columns-reordered',
    area: 'properties',
    description: 'the kanban lists in_progress before upcoming',
    rules: ['s5.3.columns.order'],
    edits: [
      {
        file: KANBAN,
        find: `  'upcoming',\n  'in_progress',`,
        replace: `  'in_progress',\n  'upcoming',`,
      },
    ],
  },
  {
    id: 'kanban-residence-filter-ignored',
    area: 'properties',
    description: 'the kanban checks residence_id but does not filter by it',
    rules: ['s5.3.query.residence-filter'],
    edits: [
      {
        file: TASK_ROUTES,
        find: `      filter = ' and t.residence_id = $2';\n    }\n    const r = await ctx.db.query<TaskRow>(\n      \`select \${TASK_COLUMNS} from tasks t\n       where not t.is_archived`,
        replace: `      filter = ' and $2::bigint > 0';\n    }\n    const r = await ctx.db.query<TaskRow>(\n      \`select \${TASK_COLUMNS} from tasks t\n       where not t.is_archived`,
      },
    ],
  },
  // ---------------------------------------------------------------- §6 reminders
  {
    id: 'due-soon-only-on-due-day',
    area: 'properties',
    description: 'task_due_soon is sent on E only, not on E − 1',
    rules: ['s6.due-soon.days'],
    edits: [
      {
        file: SCHEDULE,
        find: `      push('task_due_soon', t.id, addDays(e, -1), prefs.task_reminder_hour);\n`,
        replace: ``,
      },
    ],
  },
  {
    id: 'overdue-from-due-day',
    area: 'properties',
    description: 'task_overdue starts on E instead of E + 1 (the loop starts at 0)',
    rules: ['s6.overdue.days'],
    edits: [
      {
        file: SCHEDULE,
        find: `for (let k = 1; k <= 7; k++)`,
        replace: `for (let k = 0; k <= 7; k++)`,
      },
    ],
  },
  {
    id: 'schedule-window-closed',
    area: 'properties',
    description: 'the schedule includes an item firing exactly at `to` (a closed window)',
    rules: ['s6.schedule.window'],
    edits: [
      {
        file: SCHEDULE,
        find: `if (ms < fromMs || ms >= toMs) return;`,
        replace: `if (ms < fromMs || ms > toMs) return;`,
      },
    ],
  },
  {
    id: 'schedule-span-63-days',
    area: 'properties',
    description: 'the schedule accepts windows of up to 63 days',
    rules: ['s6.schedule.max-span'],
    edits: [
      {
        file: SCHEDULE,
        find: `export const MAX_SCHEDULE_WINDOW_MS = 62 * 24 * 60 * 60 * 1000;`,
        replace: `export const MAX_SCHEDULE_WINDOW_MS = 63 * 24 * 60 * 60 * 1000;`,
      },
    ],
  },
  {
    id: 'schedule-empty-window-ok',
    area: 'properties',
    description: 'from = to is accepted (an empty list) instead of 400',
    rules: ['s6.schedule.from-before-to'],
    edits: [
      {
        file: NOTIFICATION_ROUTES,
        find: `if (!(from.getTime() < to.getTime())) addError(errors, 'to', 'must be after from');`,
        replace: `if (from.getTime() > to.getTime()) addError(errors, 'to', 'must be after from');`,
      },
    ],
  },
  {
    id: 'schedule-sorted-by-kind-first',
    area: 'properties',
    description: 'schedule items are sorted by kind, then fire_at (the keys in the other order)',
    rules: ['s6.schedule.sorted'],
    edits: [
      {
        file: SCHEDULE,
        find: `  const t = a.fire_at.getTime() - b.fire_at.getTime();\n  if (t !== 0) return t;\n  const k = KIND_ORDER[a.kind] - KIND_ORDER[b.kind];\n  if (k !== 0) return k;`,
        replace: `  const k = KIND_ORDER[a.kind] - KIND_ORDER[b.kind];\n  if (k !== 0) return k;\n  const t = a.fire_at.getTime() - b.fire_at.getTime();\n  if (t !== 0) return t;`,
      },
    ],
  },
  {
    id: 'schedule-task-ids-descending',
    area: 'properties',
    description: 'schedule ties are broken by task_id descending',
    rules: ['s6.schedule.sorted'],
    edits: [
      {
        file: SCHEDULE,
        find: `  return (a.task_id ?? 0) - (b.task_id ?? 0);`,
        replace: `  return (b.task_id ?? 0) - (a.task_id ?? 0);`,
      },
    ],
  },
  {
    id: 'digest-ignores-flag',
    area: 'properties',
    description: 'the daily digest is scheduled even when daily_digest is off',
    rules: ['s6.flag.daily-digest'],
    edits: [
      {
        file: SCHEDULE,
        find: `  if (prefs.daily_digest) {`,
        replace: `  if (prefs.daily_digest || prefs.task_reminders) {`,
      },
    ],
  },
  {
    id: 'overdue-at-task-reminder-hour',
    area: 'properties',
    description: 'task_overdue fires at task_reminder_hour (the wrong preference field)',
    rules: ['s6.overdue.hour'],
    edits: [
      {
        file: SCHEDULE,
        find: `push('task_overdue', t.id, addDays(e, k), prefs.overdue_reminder_hour);`,
        replace: `push('task_overdue', t.id, addDays(e, k), prefs.task_reminder_hour);`,
      },
    ],
  },
  {
    id: 'schedule-includes-done',
    area: 'properties',
    description: 'the schedule keeps reminding about done one-time tasks',
    rules: ['s6.schedule.excludes-done'],
    edits: [
      {
        file: NOTIFICATION_ROUTES,
        find: `      .filter((t) => !(isOneTime(t.frequency_id) && t.completion_count > 0)) // not done`,
        replace: `      .filter((t) => !(isOneTime(t.frequency_id) && t.completion_count > 1)) // not done`,
      },
    ],
  },
  {
    id: 'schedule-includes-archived',
    area: 'properties',
    description: 'the schedule keeps reminding about archived tasks',
    rules: ['s6.schedule.excludes-archived'],
    edits: [
      {
        file: NOTIFICATION_ROUTES,
        find: `       where not t.is_archived and not t.is_cancelled\n         and t.residence_id`,
        replace: `       where not t.is_cancelled\n         and t.residence_id`,
      },
    ],
  },
  {
    id: 'schedule-due-date-first',
    area: 'properties',
    description:
      'the schedule reads coalesce(due_date, next_due_date) (the effective due date reversed)',
    rules: ['s6.schedule.effective-due'],
    edits: [
      {
        file: NOTIFICATION_ROUTES,
        find: `coalesce(t.next_due_date, t.due_date)::text as effective_due`,
        replace: `coalesce(t.due_date, t.next_due_date)::text as effective_due`,
      },
    ],
  },
  {
    id: 'preference-hour-24',
    area: 'properties',
    description:
      "a reminder hour of 24 is accepted (maximum 24 in the request schema and the columns' CHECKs)",
    rules: ['s6.prefs.hours-range'],
    edits: [
      {
        file: NOTIFICATION_ROUTES,
        find: `const hour = { type: 'integer', minimum: 0, maximum: 23 } as const;`,
        replace: `const hour = { type: 'integer', minimum: 0, maximum: 24 } as const;`,
      },
      {
        file: TASKS_SQL,
        find: `task_reminder_hour integer not null check (task_reminder_hour between 0 and 23),`,
        replace: `task_reminder_hour integer not null check (task_reminder_hour between 0 and 24),`,
      },
      {
        file: TASKS_SQL,
        find: `overdue_reminder_hour integer not null check (overdue_reminder_hour between 0 and 23),`,
        replace: `overdue_reminder_hour integer not null check (overdue_reminder_hour between 0 and 24),`,
      },
      {
        file: TASKS_SQL,
        find: `daily_digest_hour integer not null check (daily_digest_hour between 0 and 23),`,
        replace: `daily_digest_hour integer not null check (daily_digest_hour between 0 and 24),`,
      },
    ],
  },
  {
    id: 'fall-back-later-instant',
    area: 'properties',
    description: 'a wall time that occurs twice (fall-back) fires at the later instant',
    rules: ['s6.fire.fall-back'],
    edits: [
      {
        file: SCHEDULE,
        find: `if (valid.length > 0) return new Date(Math.min(...valid));`,
        replace: `if (valid.length > 0) return new Date(Math.max(...valid));`,
      },
    ],
  },
  {
    id: 'schedule-local-date-utc',
    area: 'properties',
    description: "an item's local_date is the UTC date of its fire instant, not the local day D",
    rules: ['s6.local-date'],
    edits: [
      {
        file: NOTIFICATION_ROUTES,
        find: `        local_date: i.local_date,`,
        replace: `        local_date: i.fire_at.toISOString().slice(0, 10),`,
      },
    ],
  },
  // ---------------------------------------------------------------- §7 documents and media
  {
    id: 'upload-limit-one-byte-short',
    area: 'authz',
    description:
      'a file of exactly 10,485,760 bytes is refused with 413 (the limit is one byte short)',
    rules: ['s7.upload.at-limit'],
    edits: [
      {
        file: LIMITS,
        find: `export const FILE_LIMIT = 10 * 1024 * 1024; // 10,485,760 bytes per uploaded file`,
        replace: `export const FILE_LIMIT = 10 * 1024 * 1024 - 1; // 10,485,760 bytes per uploaded file`,
      },
    ],
  },
  {
    id: 'declared-type-mismatch-accepted',
    area: 'authz',
    description:
      'a declared file type that disagrees with the bytes is accepted (the sniffed type wins silently)',
    rules: ['s7.upload.declared-mismatch'],
    edits: [
      {
        file: MULTIPART,
        find: `  return ALIASES[declared] !== sniffed;`,
        replace: `  return ALIASES[declared] !== sniffed && !(declared in ALIASES);`,
      },
    ],
  },
  {
    id: 'octet-stream-refused',
    area: 'authz',
    description: 'a file declared application/octet-stream is refused with 415',
    rules: ['s7.upload.declared-octet-stream'],
    edits: [
      {
        file: MULTIPART,
        find: `if (declared === '' || declared === 'application/octet-stream') return false;`,
        replace: `if (declared === '') return false;`,
      },
    ],
  },
  {
    id: 'empty-file-415',
    area: 'authz',
    description: 'an empty file reaches the type sniffer and answers 415 instead of 400',
    rules: ['s7.upload.empty'],
    edits: [
      {
        file: DOCUMENTS,
        find: `      else if (upload.file.buffer.length === 0) details.file = ['The file is empty.'];\n`,
        replace: ``,
      },
    ],
  },
  {
    id: 'image-accepts-any-allowed-file',
    area: 'authz',
    description: 'a completion image may be a PDF or text file (the document type list is used)',
    rules: ['s7.image.png-jpeg-only'],
    edits: [
      {
        file: DOCUMENTS,
        find: `const type = checkType(file.buffer, file.declaredType, ['image/png', 'image/jpeg']);`,
        replace: `const type = checkType(file.buffer, file.declaredType, null);`,
      },
    ],
  },
  {
    id: 'image-media-cross-residence',
    area: 'authz',
    description: 'a completion image is served to any signed-in user (no residence check)',
    rules: ['s7.access.other'],
    edits: [
      {
        file: DOCUMENTS,
        find: `        where i.id = $1 and t.residence_id in (\${VISIBLE_RESIDENCES_SQL.replaceAll('$1', '$2')})`,
        replace: `        where i.id = $1 and $2::bigint > 0`,
      },
    ],
  },
  {
    id: 'document-patch-cross-residence',
    area: 'authz',
    description:
      'PATCH /api/documents/{id}/ changes a document of a residence the caller cannot see',
    rules: ['s7.access.other'],
    edits: [
      {
        file: DOCUMENTS,
        find: `    await visibleDocument(ctx, a.user.id, id);\n    const r = await ctx.db.query<DocumentRow>(\n      \`update documents`,
        replace: `    const r = await ctx.db.query<DocumentRow>(\n      \`update documents`,
      },
    ],
  },
  {
    id: 'image-upload-cross-residence',
    area: 'authz',
    description: "an image may be attached to another residence's completion",
    rules: ['s7.access.other'],
    edits: [
      {
        file: DOCUMENTS,
        find: `      await visibleCompletion(ctx, a.user.id, completionId);\n`,
        replace: ``,
      },
    ],
  },
  // ---------------------------------------------------------------- §8 static data, §10 If-None-Match
  {
    id: 'if-none-match-strong-only',
    area: 'contracts',
    description: 'If-None-Match uses strong comparison: W/"tag" never matches',
    rules: ['s10.inm.weak'],
    edits: [
      {
        file: STATIC,
        find: `const opaque = (t: string): string => t.trim().replace(/^W\\//, '');`,
        replace: `const opaque = (t: string): string => t.trim();`,
      },
    ],
  },
  {
    id: 'if-none-match-star-ignored',
    area: 'contracts',
    description: 'If-None-Match: * is not recognised',
    rules: ['s10.inm.star'],
    edits: [{ file: STATIC, find: `  if (value.trim() === '*') return true;\n`, replace: `` }],
  },
  {
    id: 'if-none-match-first-tag-only',
    area: 'contracts',
    description: 'only the first tag of an If-None-Match list is compared',
    rules: ['s10.inm.list'],
    edits: [
      {
        file: STATIC,
        find: `return tags.some((t) => opaque(t) === ours);`,
        replace: `return tags.length > 0 && opaque(tags[0]) === ours;`,
      },
    ],
  },
  // ---------------------------------------------------------------- §9 webhook, §10 its order
  {
    id: 'webhook-duplicate-after-validation',
    area: 'authz',
    description:
      'a replayed event_id is recognised only after the body validates, so a replay with another body is 400',
    rules: ['s10.webhook.duplicate-before-body', 's9.duplicate.any-body'],
    edits: [
      {
        file: SUBSCRIPTION,
        find: `if (seen.rows.length > 0) return { status: 'duplicate' };`,
        replace: `void seen;`,
      },
    ],
  },
  {
    id: 'webhook-content-type-before-signature',
    area: 'authz',
    description: 'the webhook checks the content type (415) before the signature (401)',
    rules: ['s10.webhook.signature-first'],
    edits: [
      {
        file: SUBSCRIPTION,
        find: `    if (!signatureOk(req.headers['x-casera-signature'], ctx.config.webhookSecret, raw)) {`,
        replace:
          `    if (!(body instanceof RawBody) || body.kind !== 'json')\n` +
          `      throw unsupportedMediaType('Expected application/json.');\n` +
          `    if (!signatureOk(req.headers['x-casera-signature'], ctx.config.webhookSecret, raw)) {`,
      },
    ],
  },
  {
    id: 'webhook-tier-from-expiry',
    area: 'authz',
    description:
      'the tier is computed from expires_at (pro while in the future), so an expired event with a future date leaves pro',
    rules: ['s9.tier.expired'],
    edits: [
      {
        file: SUBSCRIPTION,
        find: `const tier = b.type === 'subscription.renewed' ? 'pro' : 'free';`,
        replace: `const tier = expiresAt && expiresAt.getTime() > Date.now() ? 'pro' : b.type === 'subscription.renewed' ? 'pro' : 'free';`,
      },
    ],
  },
  // ---------------------------------------------------------------- §11 logs
  {
    id: 'request-id-129-chars',
    area: 'logs',
    description: 'a caller X-Request-ID of 129 characters is kept (the maximum is off by one)',
    rules: ['s11.request-id.invalid-replaced'],
    edits: [
      {
        file: APP,
        find: `const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;`,
        replace: `const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,129}$/;`,
      },
    ],
  },
  {
    id: 'bad-auth-header-logged',
    area: 'logs',
    description: 'a malformed Authorization header is logged as it was sent',
    rules: ['s11.redact.authorization'],
    edits: [
      {
        file: AUTH,
        find: `  if (!m) throw unauthorized();`,
        replace:
          `  if (!m) {\n` +
          `    req.log.info(\`unauthenticated: \${String(header)}\`);\n` +
          `    throw unauthorized();\n` +
          `  }`,
      },
    ],
  },
  {
    id: 'share-code-logged',
    area: 'logs',
    description: 'joining a residence logs the share code it was sent',
    rules: ['s11.redact.share-code'],
    edits: [
      {
        file: RESIDENCES,
        find: `    const code = b.code.trim().toUpperCase();`,
        replace: `    const code = b.code.trim().toUpperCase();\n    req.log.info(\`join with code \${code}\`);`,
      },
    ],
  },
];
