/**
 * The class server's HTTP side: the built site (dist/) as static files, the class API under
 * /class-api/ (the site's own /api/ pages are the API reference), and the VM relay's WebSocket under /relay/ (passed through to the relay, which runs
 * unchanged on a loopback port of its own). Every request reads and writes the database and
 * nothing else, so any number of instances can serve the same class behind a load balancer; the
 * only in-process state is the verification queue's current job, which another instance takes
 * over if this one dies (submissions.claimed_at).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Lesson } from '../course/lesson-model.ts';
import type { Database } from './db.ts';
import { verify, type Verdict } from './verify.ts';

export interface ClassServerOptions {
  database: Database;
  course: Map<string, Lesson>;
  /** The built site; not served when absent. */
  distDir?: string;
  /** The VM relay's loopback port, when one runs: WebSockets to /relay/ go there. */
  relayPort?: number;
  /** Verifications run at once by this instance (0: this instance verifies nothing). */
  verifiers?: number;
  /** Requests a student or an address may make per minute. */
  ratePerMinute?: { student: number; open: number; teacher: number };
  /** Replace the verifier (the bench measures the API alone). */
  verifyFn?: (lesson: Lesson, files: Record<string, string>) => Promise<Verdict>;
  log?: (line: string) => void;
}

/** Largest request body accepted (bytes). */
export const MAX_BODY = 256 * 1024;
/** Largest program accepted: files and their total size. */
export const MAX_FILES = 20;
export const MAX_CODE = 128 * 1024;
export const MAX_OUTPUT = 64 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/** The cookie that tells the static side which student asks (HttpOnly: page scripts never see it). */
export const STUDENT_COOKIE = 'netlink_lab_student';
const studentCookie = (token: string) =>
  `${STUDENT_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${180 * 24 * 3600}`;
function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** Where the built site puts a lesson's solution: the playground's config, or a "Show a solution" block. */
const CONFIG = /(<script type="application\/json" data-playground-config>)([\s\S]*?)(<\/script>)/g;
const SOLUTION_BLOCK = /<details class="solution[^"]*"[^>]*>[\s\S]*?<\/details>/g;
function hasSolution(page: string): boolean {
  return page.includes('data-playground-config') || /<details class="solution/.test(page);
}
/** The page with every solution taken out (the playground then shows no Solution button). */
export function withoutSolutions(page: string): string {
  return page
    .replace(CONFIG, (_all, open: string, json: string, close: string) => {
      let cfg: Record<string, unknown>;
      try {
        cfg = JSON.parse(json) as Record<string, unknown>;
      } catch {
        return `${open}{}${close}`; // not a config this server knows: withhold all of it
      }
      const out = { ...cfg, solution: {}, solutionWithheld: true };
      return `${open}${JSON.stringify(out).replace(/</g, '\\u003c')}${close}`;
    })
    .replace(SOLUTION_BLOCK, '');
}
const newToken = () => randomBytes(24).toString('base64url');
const newId = () => randomBytes(8).toString('hex');
/** A join code students can type: 8 letters and digits without look-alikes. */
function joinCode(): string {
  const abc = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return [...randomBytes(8)].map((b) => abc[b % abc.length]).join('');
}

const lessonIdSchema = z
  .string()
  .regex(/^\d{2}-[a-z0-9-]+\/\d{2}-[a-z0-9-]+$/, 'a lesson id such as "02-raw-netlink/01-first-socket"');
const filesSchema = z
  .record(z.string(), z.string())
  .refine(
    (f) => Object.keys(f).every((k) => /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/.test(k)),
    'file names are letters, digits, _ . - (no folders)',
  )
  .refine((f) => Object.keys(f).length >= 1 && Object.keys(f).length <= MAX_FILES, `between 1 and ${MAX_FILES} files`)
  .refine(
    (f) => Object.values(f).reduce((n, s) => n + s.length, 0) <= MAX_CODE,
    `at most ${MAX_CODE} characters of code`,
  );
const schemas = {
  createClass: z.object({ name: z.string().trim().min(1).max(100) }).strict(),
  join: z
    .object({
      code: z
        .string()
        .trim()
        .toUpperCase()
        .regex(/^[A-Z0-9]{8}$/, 'an 8-character join code'),
      name: z.string().trim().min(1).max(60),
    })
    .strict(),
  report: z.discriminatedUnion('type', [
    z
      .object({
        type: z.literal('run'),
        lessonId: lessonIdSchema,
        files: filesSchema,
        output: z.string().max(MAX_OUTPUT),
        passed: z.boolean(),
      })
      .strict(),
    z.object({ type: z.literal('hint'), lessonId: lessonIdSchema }).strict(),
    z.object({ type: z.literal('solution'), lessonId: lessonIdSchema }).strict(),
    z
      .object({
        type: z.literal('time'),
        lessonId: lessonIdSchema,
        ms: z
          .number()
          .int()
          .min(1)
          .max(10 * 60_000),
      })
      .strict(),
  ]),
  settings: z
    .object({ hideSolutions: z.boolean().optional(), assigned: z.array(lessonIdSchema).max(200).optional() })
    .strict(),
};

/** Comments and whitespace do not make code one's own: compare programs without them. */
export function normaliseCode(s: string): string {
  return s
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:\\])\/\/.*$/gm, '$1')
    .replace(/\s+/g, '');
}
function sameProgram(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && normaliseCode(a[k]!) === normaliseCode(b[k]!));
}

/** A lesson's cell in the teacher's grid. Only 'verified' counts as done. */
export type CellState = 'verified' | 'solution' | 'pending' | 'failed' | 'started' | 'none';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.pf_meta': 'application/octet-stream',
  '.pf_index': 'application/octet-stream',
  '.pf_fragment': 'application/octet-stream',
  '.pagefind': 'application/octet-stream',
};

export interface ClassServer {
  http: Server;
  /** Wait for this instance's verifications in progress, then stop taking new ones. */
  stop(): Promise<void>;
  /** Run the verification queue until it is empty (tests). */
  drain(): Promise<void>;
}

export function createClassServer(o: ClassServerOptions): ClassServer {
  const { db } = o.database;
  const log = o.log ?? ((l: string) => process.stderr.write(`class server: ${l}\n`));
  const rates = o.ratePerMinute ?? { student: 240, open: 30, teacher: 600 };
  const verifyFn = o.verifyFn ?? verify;
  const lessonIds = [...o.course.keys()];

  // ---- helpers ------------------------------------------------------------------------------
  async function body(req: IncomingMessage): Promise<unknown> {
    const type = req.headers['content-type'] ?? '';
    if (!/^(application\/json|text\/plain)\b/.test(type))
      throw new HttpError(415, 'send JSON (content-type: application/json)');
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > MAX_BODY) throw new HttpError(413, `the body is larger than ${MAX_BODY} bytes`);
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > MAX_BODY) throw new HttpError(413, `the body is larger than ${MAX_BODY} bytes`);
      chunks.push(c);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new HttpError(400, 'the body is not valid JSON');
    }
  }
  function parse<T>(schema: z.ZodType<T>, v: unknown): T {
    const r = schema.safeParse(v);
    if (!r.success)
      throw new HttpError(
        400,
        `invalid request: ${r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`,
      );
    return r.data;
  }
  function bearer(req: IncomingMessage): string {
    const m = /^Bearer ([A-Za-z0-9_-]{20,64})$/.exec(req.headers.authorization ?? '');
    if (!m) throw new HttpError(401, 'send the token as "Authorization: Bearer <token>"');
    return m[1]!;
  }
  /** Count a request against `key`'s budget for the current minute; 429 past it. Shared by all instances. */
  async function rateLimit(key: string, limit: number): Promise<void> {
    const row = await db
      .insertInto('rate')
      .values({ key, window_start: sql<Date>`now()`, count: 1 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          count: sql<number>`case when rate.window_start < now() - interval '1 minute' then 1 else rate.count + 1 end`,
          window_start: sql<Date>`case when rate.window_start < now() - interval '1 minute' then now() else rate.window_start end`,
        }),
      )
      .returning(['count', 'window_start'])
      .executeTakeFirstOrThrow();
    if (row.count > limit) {
      const retry = Math.max(1, Math.ceil((new Date(row.window_start).getTime() + 60_000 - Date.now()) / 1000));
      throw new HttpError(429, `too many requests: at most ${limit} a minute; try again in ${retry} s`, {
        'retry-after': String(retry),
      });
    }
  }
  async function student(req: IncomingMessage) {
    const token = bearer(req);
    const s = await db
      .selectFrom('students')
      .innerJoin('classes', 'classes.id', 'students.class_id')
      .select([
        'students.id as id',
        'students.name as name',
        'students.class_id as classId',
        'classes.name as className',
        'classes.hide_solutions as hideSolutions',
        'classes.assigned as assigned',
      ])
      .where('students.token_hash', '=', hash(token))
      .executeTakeFirst();
    if (!s) throw new HttpError(401, 'unknown student token: join the class again with its join link');
    await rateLimit(`s:${s.id}`, rates.student);
    return s;
  }
  async function teacher(req: IncomingMessage, classId: string) {
    const token = bearer(req);
    const c = await db.selectFrom('classes').selectAll().where('id', '=', classId).executeTakeFirst();
    // The same answer for a class that does not exist and a wrong token: ids are not secrets, tokens are.
    const a = Buffer.from(c?.teacher_token_hash ?? '0'.repeat(64));
    const b = Buffer.from(hash(token));
    if (!c || !timingSafeEqual(a, b)) throw new HttpError(403, 'this teacher token does not open this class');
    await rateLimit(`t:${c.id}`, rates.teacher);
    return c;
  }
  const ip = (req: IncomingMessage) => req.socket.remoteAddress ?? '?';
  const classView = (c: {
    id: string;
    name: string;
    hide_solutions: boolean;
    assigned: string;
    join_code: string;
  }) => ({
    id: c.id,
    name: c.name,
    hideSolutions: c.hide_solutions,
    assigned: JSON.parse(c.assigned) as string[],
    joinCode: c.join_code,
  });

  // ---- the grid -----------------------------------------------------------------------------
  async function grid(classId: string) {
    const students = await db
      .selectFrom('students')
      .select(['id', 'name', 'joined_at'])
      .where('class_id', '=', classId)
      .orderBy('joined_at')
      .orderBy('id')
      .execute();
    const progress = await db
      .selectFrom('progress')
      .select([
        'student_id',
        'lesson_id',
        'runs',
        'client_passes',
        'hints',
        'solution_viewed_at',
        'time_ms',
        'latest_run_at',
      ])
      .where('class_id', '=', classId)
      .execute();
    const subs = await db
      .selectFrom('submissions')
      .select((eb) => [
        'student_id',
        'lesson_id',
        eb.fn.count<number>('id').as('total'),
        sql<number>`count(*) filter (where verdict = 'pass' and not after_solution and not is_solution)::int`.as('own'),
        sql<number>`count(*) filter (where verdict = 'pass' and (after_solution or is_solution))::int`.as('copied'),
        sql<number>`count(*) filter (where verdict is null)::int`.as('pending'),
        sql<string | null>`max(detail) filter (where verdict <> 'pass')`.as('why'),
      ])
      .where('class_id', '=', classId)
      .groupBy(['student_id', 'lesson_id'])
      .execute();
    const cells: Record<string, Record<string, unknown>> = {};
    for (const p of progress) {
      (cells[p.student_id] ??= {})[p.lesson_id] = {
        state: p.runs > 0 ? 'started' : 'none',
        runs: p.runs,
        hints: p.hints,
        solutionViewed: p.solution_viewed_at !== null,
        timeMs: p.time_ms,
        lastRun: p.latest_run_at,
      };
    }
    for (const s of subs) {
      const cell = ((cells[s.student_id] ??= {})[s.lesson_id] ??= {
        state: 'none',
        runs: 0,
        hints: 0,
        solutionViewed: false,
        timeMs: 0,
      }) as Record<string, unknown>;
      const state: CellState =
        Number(s.own) > 0
          ? 'verified'
          : Number(s.copied) > 0
            ? 'solution'
            : Number(s.pending) > 0
              ? 'pending'
              : 'failed';
      Object.assign(cell, {
        state,
        submissions: Number(s.total),
        ...(state === 'failed' && s.why ? { why: s.why } : {}),
      });
    }
    return { students: students.map((s) => ({ id: s.id, name: s.name })), cells };
  }

  // ---- verification queue -------------------------------------------------------------------
  let stopping = false;
  let active = 0;
  let wake: (() => void) | undefined;
  const idle = new Set<() => void>();
  async function claim() {
    return db
      .updateTable('submissions')
      .set({ claimed_at: sql<Date>`now()` })
      .where('id', '=', (eb) =>
        eb
          .selectFrom('submissions')
          .select('id')
          .where('verdict', 'is', null)
          .where((w) =>
            w.or([w('claimed_at', 'is', null), w('claimed_at', '<', sql<Date>`now() - interval '2 minutes'`)]),
          )
          .orderBy('id')
          .limit(1)
          .forUpdate()
          .skipLocked(),
      )
      .returningAll()
      .executeTakeFirst();
  }
  async function verifier(): Promise<void> {
    while (!stopping) {
      let job;
      try {
        job = await claim();
      } catch (e) {
        log(`claiming a submission failed: ${(e as Error).message}`);
        job = undefined;
      }
      if (!job) {
        for (const f of idle) f();
        idle.clear();
        await new Promise<void>((r) => {
          const t = setTimeout(r, 1000);
          wake = () => {
            clearTimeout(t);
            r();
          };
        });
        continue;
      }
      active++;
      const lesson = o.course.get(job.lesson_id);
      let v: Verdict;
      try {
        v = lesson
          ? await verifyFn(lesson, JSON.parse(job.code) as Record<string, string>)
          : { verdict: 'error', detail: `no lesson ${job.lesson_id} on this server` };
      } catch (e) {
        v = { verdict: 'error', detail: `verification failed: ${(e as Error).message}` };
      }
      try {
        await db
          .updateTable('submissions')
          .set({ verdict: v.verdict, detail: v.detail.slice(0, 2000), verified_at: sql<Date>`now()` })
          .where('id', '=', job.id)
          .execute();
        log(`submission ${job.id} (${job.lesson_id}): ${v.verdict} — ${v.detail.slice(0, 160)}`);
      } catch (e) {
        log(`recording a verdict failed: ${(e as Error).message}`);
      }
      active--;
    }
  }
  const workers = Array.from({ length: o.verifiers ?? 1 }, () => verifier());

  // ---- routes -------------------------------------------------------------------------------
  async function api(
    req: IncomingMessage,
    url: URL,
  ): Promise<{ status?: number; json?: unknown; csv?: string; filename?: string; headers?: Record<string, string> }> {
    const path = url.pathname;
    const m = req.method ?? 'GET';
    if (path === '/class-api/health' && m === 'GET')
      return {
        json: { service: 'netlink-lab-class', version: 1, database: o.database.kind, relay: o.relayPort !== undefined },
      };
    if (path === '/class-api/classes' && m === 'POST') {
      await rateLimit(`ip:${ip(req)}`, rates.open);
      const { name } = parse(schemas.createClass, await body(req));
      const id = newId();
      const token = newToken();
      const code = joinCode();
      await db
        .insertInto('classes')
        .values({ id, name, teacher_token_hash: hash(token), join_code: code })
        .execute();
      log(`class ${id} "${name}" created`);
      return {
        status: 201,
        json: {
          id,
          name,
          teacherToken: token,
          joinCode: code,
          teacherPath: `/class/teacher/?class=${id}#${token}`,
          joinPath: `/class/join/?code=${code}`,
        },
      };
    }
    if (path === '/class-api/join' && m === 'POST') {
      await rateLimit(`ip:${ip(req)}`, rates.open);
      const { code, name } = parse(schemas.join, await body(req));
      const c = await db.selectFrom('classes').select(['id', 'name']).where('join_code', '=', code).executeTakeFirst();
      if (!c) throw new HttpError(404, 'no class has this join code: check it with your teacher');
      const token = newToken();
      const id = newId();
      await db
        .insertInto('students')
        .values({ id, class_id: c.id, name, token_hash: hash(token) })
        .execute();
      return {
        status: 201,
        json: { studentToken: token, studentId: id, classId: c.id, className: c.name },
        headers: { 'set-cookie': studentCookie(token) },
      };
    }
    if (path === '/class-api/me' && m === 'GET') {
      const s = await student(req);
      return {
        // The lesson pages are served by whom they are for (solutionsShown): renewed at each visit.
        headers: { 'set-cookie': studentCookie(bearer(req)) },
        json: {
          student: { id: s.id, name: s.name },
          class: {
            id: s.classId,
            name: s.className,
            hideSolutions: s.hideSolutions,
            assigned: JSON.parse(s.assigned) as string[],
          },
        },
      };
    }
    if (path === '/class-api/report' && m === 'POST') {
      const s = await student(req);
      const r = parse(schemas.report, await body(req));
      const lesson = o.course.get(r.lessonId);
      if (!lesson) throw new HttpError(404, `no lesson ${r.lessonId} in this course`);
      const key = { class_id: s.classId, student_id: s.id, lesson_id: r.lessonId };
      const upsert = (set: Record<string, unknown>) =>
        db
          .insertInto('progress')
          .values({ ...key, ...set, updated_at: sql<Date>`now()` } as never)
          .onConflict((oc) =>
            oc
              .columns(['student_id', 'lesson_id'])
              .doUpdateSet(() => ({ ...update(set), updated_at: sql<Date>`now()` }) as never),
          )
          .execute();
      const update = (set: Record<string, unknown>) =>
        Object.fromEntries(
          Object.entries(set).map(([k, v]) => [
            k,
            k === 'runs' || k === 'hints' || k === 'client_passes' || k === 'time_ms'
              ? sql`progress.${sql.ref(k)} + excluded.${sql.ref(k)}`
              : k === 'solution_viewed_at'
                ? sql`coalesce(progress.solution_viewed_at, excluded.solution_viewed_at)`
                : v,
          ]),
        );
      if (r.type === 'hint') await upsert({ hints: 1 });
      else if (r.type === 'solution') await upsert({ solution_viewed_at: sql`now()` });
      else if (r.type === 'time') await upsert({ time_ms: r.ms });
      else {
        const code = JSON.stringify(r.files);
        await upsert({
          runs: 1,
          client_passes: r.passed ? 1 : 0,
          latest_code: code,
          latest_output: r.output,
          latest_run_at: sql`now()`,
        });
        // A run the page says passed is re-run here; what the page said decides nothing else.
        if (r.passed && lesson.checks) {
          const seen = await db
            .selectFrom('submissions')
            .select('id')
            .where('student_id', '=', s.id)
            .where('lesson_id', '=', r.lessonId)
            .where('code', '=', code)
            .executeTakeFirst();
          if (!seen) {
            const p = await db
              .selectFrom('progress')
              .select('solution_viewed_at')
              .where('student_id', '=', s.id)
              .where('lesson_id', '=', r.lessonId)
              .executeTakeFirst();
            await db
              .insertInto('submissions')
              .values({
                ...key,
                code,
                after_solution: p?.solution_viewed_at != null,
                is_solution: sameProgram(r.files, lesson.solution),
              })
              .execute();
            wake?.();
            return { status: 202, json: { recorded: true, verification: 'queued' } };
          }
        }
      }
      return { status: 202, json: { recorded: true } };
    }
    const cm = /^\/class-api\/classes\/([0-9a-f]{16})(\/.*)?$/.exec(path);
    if (cm) {
      const c = await teacher(req, cm[1]!);
      const rest = cm[2] ?? '';
      if (rest === '' && m === 'GET') {
        return {
          json: {
            class: classView(c),
            lessons: lessonIds.map((id) => ({
              id,
              title: o.course.get(id)!.data.title,
              slug: o.course.get(id)!.slug,
              checks: Boolean(o.course.get(id)!.checks),
            })),
            ...(await grid(c.id)),
          },
        };
      }
      if (rest === '' && m === 'PATCH') {
        const s = parse(schemas.settings, await body(req));
        const unknown = (s.assigned ?? []).filter((id) => !o.course.has(id));
        if (unknown.length) throw new HttpError(400, `invalid request: assigned: no such lesson ${unknown.join(', ')}`);
        const set: Record<string, unknown> = {};
        if (s.hideSolutions !== undefined) set.hide_solutions = s.hideSolutions;
        if (s.assigned !== undefined) set.assigned = JSON.stringify(s.assigned);
        if (Object.keys(set).length) await db.updateTable('classes').set(set).where('id', '=', c.id).execute();
        const after = await db.selectFrom('classes').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
        return { json: { class: classView(after) } };
      }
      if (rest === '/grid' && m === 'GET') return { json: await grid(c.id) };
      const sm = /^\/students\/([0-9a-f]{16})\/(\d{2}-[a-z0-9-]+\/\d{2}-[a-z0-9-]+)$/.exec(rest);
      if (sm && m === 'GET') {
        const st = await db
          .selectFrom('students')
          .select(['id', 'name'])
          .where('id', '=', sm[1]!)
          .where('class_id', '=', c.id)
          .executeTakeFirst();
        if (!st) throw new HttpError(404, 'no such student in this class');
        const p = await db
          .selectFrom('progress')
          .selectAll()
          .where('student_id', '=', st.id)
          .where('lesson_id', '=', sm[2]!)
          .executeTakeFirst();
        const subs = await db
          .selectFrom('submissions')
          .select(['id', 'code', 'after_solution', 'is_solution', 'created_at', 'verdict', 'detail'])
          .where('student_id', '=', st.id)
          .where('lesson_id', '=', sm[2]!)
          .orderBy('id', 'desc')
          .limit(20)
          .execute();
        return {
          json: {
            student: st,
            lessonId: sm[2],
            latestCode: p?.latest_code ? JSON.parse(p.latest_code) : null,
            latestOutput: p?.latest_output ?? null,
            latestRunAt: p?.latest_run_at ?? null,
            submissions: subs.map((x) => ({
              id: x.id,
              files: JSON.parse(x.code),
              afterSolution: x.after_solution,
              isSolution: x.is_solution,
              at: x.created_at,
              verdict: x.verdict,
              detail: x.detail,
            })),
          },
        };
      }
      if (rest === '/export.csv' && m === 'GET') {
        const g = await grid(c.id);
        const q = (v: unknown) => {
          const s = String(v ?? '');
          return /[",\n]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/^([=+\-@])/, "'$1").replace(/"/g, '""')}"` : s;
        };
        const rows = [['student', 'lesson', 'state', 'runs', 'hints', 'solution_viewed', 'time_s'].join(',')];
        for (const st of g.students) {
          for (const id of lessonIds) {
            const cell = g.cells[st.id]?.[id] as
              | { state: string; runs: number; hints: number; solutionViewed: boolean; timeMs: number }
              | undefined;
            if (!cell) continue;
            rows.push(
              [
                q(st.name),
                id,
                cell.state,
                cell.runs,
                cell.hints,
                cell.solutionViewed ? 'yes' : 'no',
                Math.round(cell.timeMs / 1000),
              ].join(','),
            );
          }
        }
        return { csv: rows.join('\r\n') + '\r\n', filename: `class-${c.id}.csv` };
      }
    }
    throw new HttpError(
      path.startsWith('/class-api/') &&
        !['/class-api/health', '/class-api/classes', '/class-api/join', '/class-api/me', '/class-api/report'].includes(
          path,
        ) &&
        !cm
        ? 404
        : 405,
      path.startsWith('/class-api/') ? `no ${m} ${path} here` : 'not found',
    );
  }

  // ---- static files -------------------------------------------------------------------------
  const root = o.distDir ? resolve(o.distDir) : undefined;

  /**
   * Whether this request may get the lessons' solutions. A student (known by the cookie set when
   * they joined) gets them unless their class hides them; a request from no student gets them
   * only while no class on this server hides them, or a student of such a class would only have
   * to open the page in a private window.
   */
  async function solutionsShown(req: IncomingMessage): Promise<boolean> {
    const token = cookie(req, STUDENT_COOKIE);
    if (token && /^[A-Za-z0-9_-]{20,64}$/.test(token)) {
      const s = await db
        .selectFrom('students')
        .innerJoin('classes', 'classes.id', 'students.class_id')
        .select('classes.hide_solutions as hide')
        .where('students.token_hash', '=', hash(token))
        .executeTakeFirst();
      if (s) return !s.hide;
    }
    const hiding = await db
      .selectFrom('classes')
      .select('id')
      .where('hide_solutions', '=', true)
      .limit(1)
      .executeTakeFirst();
    return !hiding;
  }

  function serveFile(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const notFound = () => {
      const page = root ? join(root, '404.html') : '';
      res.writeHead(404, { 'content-type': MIME['.html']! });
      if (page && existsSync(page)) createReadStream(page).pipe(res);
      else res.end('not found');
    };
    if (!root || (req.method !== 'GET' && req.method !== 'HEAD')) return notFound();
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return notFound();
    }
    let file = normalize(join(root, rel));
    if (file !== root && !file.startsWith(root + sep)) return notFound();
    if (existsSync(file) && statSync(file).isDirectory()) {
      if (!url.pathname.endsWith('/')) {
        res.writeHead(301, { location: `${url.pathname}/${url.search}` });
        res.end();
        return;
      }
      file = join(file, 'index.html');
    }
    if (!existsSync(file) || !statSync(file).isFile()) return notFound();
    // A page that carries a lesson's solution is served whole or without it, by who asks.
    if (file.endsWith('.html')) {
      const page = readFileSync(file, 'utf8');
      if (hasSolution(page)) {
        solutionsShown(req).then(
          (shown) => {
            const body = Buffer.from(shown ? page : withoutSolutions(page));
            res.writeHead(200, {
              'content-type': MIME['.html']!,
              'content-length': body.length,
              'cache-control': 'no-store',
              vary: 'cookie',
            });
            res.end(req.method === 'HEAD' ? undefined : body);
          },
          (e: unknown) => {
            log(`GET ${url.pathname}: ${(e as Error).stack ?? e}`);
            res.writeHead(503, { 'content-type': 'text/plain' }).end('the class database is not answering');
          },
        );
        return;
      }
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-length': statSync(file).size,
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).pipe(res);
  }

  const http = createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://class');
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (!url.pathname.startsWith('/class-api/')) return serveFile(req, res, url);
    const send = (status: number, payload: string, type: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'content-type': type,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        ...headers,
      });
      res.end(payload);
    };
    api(req, url).then(
      (r) => {
        if (r.csv !== undefined)
          send(200, r.csv, 'text/csv; charset=utf-8', {
            'content-disposition': `attachment; filename="${r.filename}"`,
          });
        else send(r.status ?? 200, JSON.stringify(r.json), 'application/json', r.headers);
      },
      (e: unknown) => {
        if (e instanceof HttpError) {
          send(e.status, JSON.stringify({ error: e.message }), 'application/json', e.headers);
          return;
        }
        log(`${req.method} ${url.pathname}: ${(e as Error).stack ?? e}`);
        send(
          500,
          JSON.stringify({
            error: 'the server failed on this request (see its log); nothing was changed by the failed step',
          }),
          'application/json',
        );
      },
    );
  });

  // Longer than the usual load balancer's idle timeout (60 s), so it never reuses a socket this
  // side has just closed.
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;

  // ---- the VM relay, passed through ---------------------------------------------------------
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const url = new URL(req.url ?? '/', 'http://class');
    if (o.relayPort === undefined || !(url.pathname === '/relay' || url.pathname === '/relay/')) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const up = connect(o.relayPort, '127.0.0.1', () => {
      const lines = [`${req.method} /${url.search} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('close', () => up.destroy());
  });

  return {
    http,
    async stop() {
      stopping = true;
      wake?.();
      await Promise.all(workers);
    },
    async drain() {
      for (;;) {
        const pending = await db
          .selectFrom('submissions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('verdict', 'is', null)
          .executeTakeFirstOrThrow();
        if (Number(pending.n) === 0 && active === 0) return;
        await new Promise<void>((r) => {
          idle.add(r);
          wake?.();
          setTimeout(r, 200);
        });
      }
    },
  };
}
