/**
 * A throwaway PostgreSQL 15 cluster for the class server's tests: initdb in a temporary folder,
 * listening on a free loopback port (and a socket in that folder), trust authentication, removed
 * when stopped. PostgreSQL refuses to run as root, so as root the cluster belongs to `nobody`.
 * Needs Debian's postgresql-15 (scripts/system-deps.mjs, group "database").
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface TestPostgres {
  url: string;
  stop(): void;
}

async function freePort(): Promise<number> {
  return await new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => ok(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export async function startPostgres(): Promise<TestPostgres> {
  if (!existsSync(join(BIN, 'initdb')))
    throw new Error(`${BIN}/initdb is missing: install PostgreSQL 15 (node scripts/system-deps.mjs database).`);
  const dir = mkdtempSync(join(tmpdir(), 'netlink-lab-pg-'));
  chmodSync(dir, 0o777);
  const root = process.getuid?.() === 0;
  const user = root ? 'nobody' : (process.env.USER ?? 'postgres');
  const as = (cmd: string, args: string[]) =>
    root
      ? (['setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', cmd, ...args]] as const)
      : ([cmd, args] as const);
  const run = (cmd: string, args: string[]) => {
    const [c, a] = as(cmd, args);
    const r = spawnSync(c, [...a], { encoding: 'utf8', cwd: dir });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}`);
  };
  const data = join(dir, 'data');
  run(join(BIN, 'initdb'), ['-D', data, '-U', user, '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  run(join(BIN, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    'start',
  ]);
  return {
    url: `postgres://${user}@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        const [c, a] = as(join(BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
        execFileSync(c, [...a], { stdio: 'ignore' });
      } catch {
        /* already gone */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
