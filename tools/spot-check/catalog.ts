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

/**
 * The fault catalog: realistic bugs a Casera developer could write, spread over the four suites
 * and the logs. Each is a search-and-replace on the reference target; every `find` is a whole
 * line (or lines) of logic, so a reformatting elsewhere does not make it stale.
 */
export const FAULTS: Fault[] = [
  // ---------------------------------------------------------------- time, kanban, recurrence
  {
    id: 'kanban-due-soon-exclusive',
    area: 'properties',
    description:
      'due_soon boundary exclusive: a task due on today + days lands in upcoming (< instead of ≤)',
    projects: ['properties'],
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
    area: 'lifecycle',
    description: 'month arithmetic without clamping: Jan 31 + 1 month rolls over to Mar 2/3',
    projects: ['lifecycle'],
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
    area: 'lifecycle',
    description: 'the latest completion is the last one inserted, not the greatest completed_at',
    projects: ['lifecycle'],
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
    area: 'lifecycle',
    description: 'next_due_date computed from the task due_date instead of the completion date',
    projects: ['lifecycle'],
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
    area: 'properties',
    description: 'overdue reminders sent on E+1 … E+6 only (an off-by-one in the loop)',
    projects: ['properties'],
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
    area: 'properties',
    description:
      'a fire time inside a spring-forward gap is read with the offset after the transition (fires an hour early instead of shifted forward)',
    projects: ['properties'],
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
    area: 'properties',
    description:
      'a reminder whose local hour repeats at a fall-back fires at both instants (the worker matches every instant whose wall hour is hh)',
    projects: ['properties'],
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
    area: 'properties',
    description:
      'reminder fire times stepped in 24-hour periods from the first day, so they drift by an hour across a DST change',
    projects: ['properties'],
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
    area: 'properties',
    description: "the kanban's today is the UTC date of now, not the date in the request timezone",
    projects: ['properties'],
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
    area: 'properties',
    description: 'the kanban reads the profile timezone and ignores the X-Timezone header',
    projects: ['properties'],
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
    area: 'lifecycle',
    description:
      "a completion's local date is taken in UTC, not in the completing request's timezone",
    projects: ['lifecycle'],
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
    area: 'properties',
    description: 'the reminder schedule keeps reminding about cancelled tasks',
    projects: ['properties'],
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
    area: 'lifecycle',
    description: 'unarchive restores a task archived while cancelled as active',
    projects: ['lifecycle'],
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
    area: 'lifecycle',
    description:
      'a lifecycle action the table refuses answers 200 with the unchanged task instead of 409',
    projects: ['lifecycle'],
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
    area: 'lifecycle',
    description:
      'deleting a completion leaves completion_count, next_due_date and the done state as they were',
    projects: ['lifecycle'],
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
    area: 'lifecycle',
    description: 'patching due_date also clears next_due_date (it must come from completions only)',
    projects: ['lifecycle'],
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
    area: 'lifecycle',
    description:
      'the completed_at future check compares seconds with milliseconds, so it never refuses',
    projects: ['lifecycle'],
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
    area: 'lifecycle',
    description:
      'the Idempotency-Key lookup ignores the user: another user with the same key gets the first answer replayed',
    projects: ['lifecycle'],
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
    area: 'lifecycle',
    description:
      'an idempotent replay answers the first response but still runs the creation (a second completion stored)',
    projects: ['lifecycle'],
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
    area: 'contracts',
    description:
      'the Task answer renames completion_count to completions_count; the document still says completion_count',
    projects: ['contracts'],
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
    area: 'contracts',
    description:
      'PATCH /api/tasks/{id}/ ignores unknown and server-computed body fields instead of 400',
    projects: ['contracts'],
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
    area: 'contracts',
    description:
      'GET /api/task-completions/ accepts any page_size (the 100 maximum is not enforced)',
    projects: ['contracts'],
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
    area: 'contracts',
    description:
      'GET /api/auth/me/ does not validate X-Timezone (its answer does not depend on time)',
    projects: ['contracts'],
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
    area: 'authz',
    description:
      'login failures are counted per identifier typed, so failures by username and by email never add up',
    projects: ['authz'],
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
    area: 'authz',
    description: 'the login rate limit counts successful logins as attempts too',
    projects: ['authz'],
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
    area: 'logs',
    description:
      'the login handler logs the request body (with the password) as its message on a 401',
    projects: ['authz'],
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
    area: 'logs',
    description:
      "the error helper writes its 'request rejected' line with the app logger, so the line has no request_id",
    projects: ['contracts'],
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
    area: 'logs',
    description:
      'the webhook logs the X-Casera-Signature header it refused, in its message, on a 401',
    projects: ['authz'],
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
    area: 'authz',
    description: 'a member may create a share code (an owner-only action)',
    projects: ['authz'],
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
    area: 'authz',
    description:
      'a document file is served to any signed-in user (no residence check on /api/media/documents/)',
    projects: ['authz'],
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
    area: 'authz',
    description:
      'removing a member answers 204 and unassigns their tasks but never deletes the membership',
    projects: ['authz'],
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
    area: 'authz',
    description:
      'the owner joining their own residence with its share code is accepted (200) instead of 409',
    projects: ['authz'],
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
    area: 'authz',
    description: 'joining ignores the share code expiry: a code stays valid forever',
    projects: ['authz'],
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
    area: 'authz',
    description:
      'GET /api/documents/?residence_id=<foreign> swallows the access error and answers an empty page instead of 400',
    projects: ['authz'],
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
    area: 'authz',
    description:
      'an unverified user may create a residence (the is_verified check reads the wrong value)',
    projects: ['authz'],
    edits: [
      { file: RESIDENCES, find: `!a.user.is_verified`, replace: `a.user.is_verified === null` },
    ],
  },
  {
    id: 'assignee-any-user',
    area: 'authz',
    description:
      'assigned_to_id accepts any existing user, not only the owner or a member of the residence',
    projects: ['authz'],
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
    area: 'authz',
    description: 'logout answers 204 but deletes nothing, so the token keeps working',
    projects: ['authz'],
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
    area: 'authz',
    description:
      'a reset token can reset the password again until it expires (used_at never checked)',
    projects: ['authz'],
    edits: [
      { file: ACCOUNTS, find: `used_at is null and expires_at > $2`, replace: `expires_at > $2` },
    ],
  },
  {
    id: 'webhook-replay-applied-twice',
    area: 'authz',
    description:
      'a replayed webhook event_id is applied again (tier and expiry overwritten) and answered processed',
    projects: ['authz'],
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
    area: 'contracts',
    description:
      'If-None-Match is compared with the unquoted ETag, so static data never answers 304',
    projects: ['contracts'],
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
    area: 'contracts',
    description:
      'a known path under a method it does not serve answers 404 instead of 405 with Allow',
    projects: ['contracts'],
    edits: [{ file: APP, find: `if (allowed.size > 0) {`, replace: `if (allowed.size < 0) {` }],
  },
  {
    id: 'trailing-slash-optional',
    area: 'contracts',
    description:
      'the router ignores trailing slashes, so a path without its / is served instead of 404',
    projects: ['contracts'],
    edits: [
      { file: APP, find: `ignoreTrailingSlash: false`, replace: `ignoreTrailingSlash: true` },
    ],
  },
];
