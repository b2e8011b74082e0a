/**
 * The class server's database: PostgreSQL when DATABASE_URL is set, otherwise PGlite (PostgreSQL
 * compiled to WebAssembly, embedded, its files in a directory of the teacher's choice). Both are
 * reached through Kysely with the same migrations and the same queries; PGlite goes through
 * Kysely's own PostgresDialect with a one-connection pool adapter (below), so the SQL Kysely
 * compiles is identical for both.
 */
import { Kysely, PostgresDialect, sql, type Generated, type PostgresPool, type PostgresPoolClient } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';

export interface ClassTable {
  id: string;
  name: string;
  teacher_token_hash: string;
  join_code: string;
  hide_solutions: Generated<boolean>;
  /** JSON array of lesson ids; '[]' means every lesson. */
  assigned: Generated<string>;
  created_at: Generated<Date>;
}
export interface StudentTable {
  id: string;
  class_id: string;
  name: string;
  token_hash: string;
  joined_at: Generated<Date>;
}
/** One row per student and lesson: what the lesson page reported (counters and the latest run). */
export interface ProgressTable {
  class_id: string;
  student_id: string;
  lesson_id: string;
  runs: Generated<number>;
  client_passes: Generated<number>;
  hints: Generated<number>;
  solution_viewed_at: Date | null;
  time_ms: Generated<number>;
  latest_code: string | null;
  latest_output: string | null;
  latest_run_at: Date | null;
  updated_at: Generated<Date>;
}
/** A run the page said passed: kept with its code, re-run by the server, which records the verdict. */
export interface SubmissionTable {
  id: Generated<number>;
  class_id: string;
  student_id: string;
  lesson_id: string;
  code: string;
  /** Whether the student had opened the solution of this lesson before this run. */
  after_solution: boolean;
  /** Whether the code is the lesson's solution (after normalising whitespace and comments). */
  is_solution: boolean;
  created_at: Generated<Date>;
  claimed_at: Date | null;
  /** 'pass' | 'fail' | 'error'; null while not verified yet. */
  verdict: string | null;
  detail: string | null;
  verified_at: Date | null;
}
/** Fixed-window request counters for the rate limit, shared by every instance. */
export interface RateTable {
  key: string;
  window_start: Date;
  count: number;
}
export interface DB {
  classes: ClassTable;
  students: StudentTable;
  progress: ProgressTable;
  submissions: SubmissionTable;
  rate: RateTable;
}

const migrations: Record<string, Migration> = {
  '001_classes': {
    // biome-ignore lint/suspicious/noExplicitAny: a migration runs before the schema exists (Kysely's documented type for migrations)
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('classes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('teacher_token_hash', 'text', (c) => c.notNull())
        .addColumn('join_code', 'text', (c) => c.notNull().unique())
        .addColumn('hide_solutions', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('assigned', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('students')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('class_id', 'text', (c) => c.notNull().references('classes.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('joined_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('students_class').on('students').column('class_id').execute();
      await db.schema
        .createTable('progress')
        .addColumn('class_id', 'text', (c) => c.notNull().references('classes.id').onDelete('cascade'))
        .addColumn('student_id', 'text', (c) => c.notNull().references('students.id').onDelete('cascade'))
        .addColumn('lesson_id', 'text', (c) => c.notNull())
        .addColumn('runs', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('client_passes', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('hints', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('solution_viewed_at', 'timestamptz')
        .addColumn('time_ms', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('latest_code', 'text')
        .addColumn('latest_output', 'text')
        .addColumn('latest_run_at', 'timestamptz')
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('progress_pk', ['student_id', 'lesson_id'])
        .execute();
      await db.schema.createIndex('progress_class').on('progress').column('class_id').execute();
      await db.schema
        .createTable('submissions')
        .addColumn('id', 'serial', (c) => c.primaryKey())
        .addColumn('class_id', 'text', (c) => c.notNull().references('classes.id').onDelete('cascade'))
        .addColumn('student_id', 'text', (c) => c.notNull().references('students.id').onDelete('cascade'))
        .addColumn('lesson_id', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('after_solution', 'boolean', (c) => c.notNull())
        .addColumn('is_solution', 'boolean', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('claimed_at', 'timestamptz')
        .addColumn('verdict', 'text')
        .addColumn('detail', 'text')
        .addColumn('verified_at', 'timestamptz')
        .execute();
      await db.schema
        .createIndex('submissions_class')
        .on('submissions')
        .columns(['class_id', 'student_id', 'lesson_id'])
        .execute();
      await db.schema
        .createIndex('submissions_pending')
        .on('submissions')
        .column('id')
        .where(sql.ref('verdict'), 'is', null)
        .execute();
      await db.schema
        .createTable('rate')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('window_start', 'timestamptz', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** A Kysely PostgresPool over one PGlite instance: one connection at a time, handed out in turn. */
function pglitePool(db: import('@electric-sql/pglite').PGlite): PostgresPool {
  let queue = Promise.resolve();
  const client = (release: () => void): PostgresPoolClient =>
    ({
      async query(text: string, params: readonly unknown[]) {
        const r = await db.query(text, params as unknown[]);
        const command = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? '';
        return { command, rowCount: r.affectedRows ?? r.rows.length, rows: r.rows } as never;
      },
      release,
    }) as unknown as PostgresPoolClient;
  return {
    options: {},
    connect: () =>
      new Promise<PostgresPoolClient>((resolve) => {
        queue = queue.then(() => new Promise<void>((done) => resolve(client(done))));
      }),
    end: async () => {
      await queue;
      await db.close();
    },
  };
}

export interface Database {
  db: Kysely<DB>;
  kind: 'pglite' | 'postgres';
  where: string;
  close(): Promise<void>;
}

/**
 * Open the database and bring its schema up to date. `url`: a postgres:// URL (DATABASE_URL);
 * otherwise `dataDir` holds a PGlite database ('memory://' keeps it in memory, for tests).
 */
export async function openDatabase(opts: { url?: string; dataDir?: string; poolSize?: number }): Promise<Database> {
  let db: Kysely<DB>;
  let kind: Database['kind'];
  let where: string;
  if (opts.url) {
    const pg = (await import('pg')).default;
    // Counts and sums come back as int8 strings from pg; every column here is an int4.
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 10 });
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    kind = 'postgres';
    where = opts.url.replace(/\/\/[^@/]*@/, '//…@');
  } else {
    const { PGlite } = await import('@electric-sql/pglite');
    const dir = opts.dataDir ?? 'memory://';
    const lite = new PGlite(dir);
    await lite.waitReady;
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: pglitePool(lite) }) });
    kind = 'pglite';
    where = dir;
  }
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r: { status: string }) => r.status === 'Error')?.migrationName;
    throw new Error(`class server: database migration ${failed ?? ''} failed: ${(error as Error).message ?? error}`);
  }
  return { db, kind, where, close: () => db.destroy() };
}
