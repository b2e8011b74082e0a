/**
 * The class server for tests: on PGlite (in memory) or on a throwaway PostgreSQL 15
 * (tests/class/postgres.ts), listening on a free loopback port, with small JSON helpers.
 */
import type { AddressInfo } from 'node:net';
import { openDatabase, type Database } from '../../src/server/db.ts';
import { createClassServer, type ClassServerOptions, type ClassServer } from '../../src/server/app.ts';
import { loadCourse } from '../../src/server/course.ts';
import { startPostgres, type TestPostgres } from './postgres.ts';

export type DbKind = 'pglite' | 'postgres';
/** Which databases the suites run on: both unless CLASS_DB says one. */
export const DB_KINDS: DbKind[] = process.env.CLASS_DB ? [process.env.CLASS_DB as DbKind] : ['pglite', 'postgres'];

// biome-ignore lint/suspicious/noExplicitAny: the tests read whatever fields an answer has
type Json = any;

export interface TestServer {
  origin: string;
  database: Database;
  server: ClassServer;
  call(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; raw?: string; type?: string },
  ): Promise<{ status: number; json: Json; text: string; headers: Headers }>;
  close(): Promise<void>;
}

export async function startTestServer(kind: DbKind, opts: Partial<ClassServerOptions> = {}): Promise<TestServer> {
  let pg: TestPostgres | undefined;
  if (kind === 'postgres') pg = await startPostgres();
  const database = await openDatabase(pg ? { url: pg.url } : { dataDir: 'memory://' });
  const server = createClassServer({ database, course: loadCourse(), log: () => {}, ...opts });
  await new Promise<void>((ok) => server.http.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${(server.http.address() as AddressInfo).port}`;
  return {
    origin,
    database,
    server,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = {};
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      if (o.body !== undefined || o.raw !== undefined) headers['content-type'] = o.type ?? 'application/json';
      const r = await fetch(origin + path, {
        method,
        headers,
        body: o.raw ?? (o.body !== undefined ? JSON.stringify(o.body) : undefined),
      });
      const text = await r.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: r.status, json, text, headers: r.headers };
    },
    async close() {
      server.http.closeAllConnections();
      await new Promise<void>((ok) => server.http.close(() => ok()));
      await server.stop();
      await database.close();
      pg?.stop();
    },
  };
}
