/**
 * `netlink-lab class`: the class server (src/server/): the built site, the class API with
 * verified progress, and the VM relay when a VM image is there.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../server/db.ts';
import { createClassServer } from '../server/app.ts';
import { loadCourse, ROOT } from '../server/course.ts';
import { networkIsolation } from '../server/sandbox.ts';

export const CLASS_HELP = `netlink-lab class [--host ADDR] [--port N] [--data DIR] [--dist DIR] [--verifiers N] [--no-vm] [--origin URL]…
  Serve the course for a class: the site, a class API (teacher and join links, a live grid of
  verified progress) and the VM relay under /relay/ when a VM image was built (npm run vm:build).
  Data: PostgreSQL when DATABASE_URL is set, otherwise an embedded PGlite database in --data
  (default ./netlink-lab-class). Several instances may share one PostgreSQL behind a load balancer.
    --host ADDR       listen address (default 127.0.0.1; 0.0.0.0 for a classroom network)
    --port N          TCP port (default 4330)
    --verifiers N     student runs this instance re-runs at once (default 1; 0: none)
    --origin URL      the address students open, if not http://HOST:PORT (for the VM relay's origin check)`;

export async function classCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        data: { type: 'string' },
        dist: { type: 'string' },
        verifiers: { type: 'string' },
        'no-vm': { type: 'boolean' },
        origin: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    process.stderr.write(`netlink-lab class: ${(e as Error).message}\n${CLASS_HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${CLASS_HELP}\n`);
    return 0;
  }
  const port = Number(values.port ?? 4330);
  const verifiers = Number(values.verifiers ?? 1);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`netlink-lab class: --port must be 0–65535 (got ${values.port})\n`);
    return 2;
  }
  if (!Number.isInteger(verifiers) || verifiers < 0 || verifiers > 16) {
    process.stderr.write(`netlink-lab class: --verifiers must be 0–16 (got ${values.verifiers})\n`);
    return 2;
  }
  const host = values.host ?? '127.0.0.1';
  const dist = resolve(values.dist ?? join(ROOT, 'dist'));
  if (!existsSync(join(dist, 'index.html'))) {
    process.stderr.write(`netlink-lab class: ${dist}/index.html is missing: build the site first (npm run build).\n`);
    return 2;
  }
  const url = process.env.DATABASE_URL;
  const database = await openDatabase(url ? { url } : { dataDir: resolve(values.data ?? 'netlink-lab-class') });
  if (verifiers > 0 && networkIsolation() === 'shared') {
    process.stderr.write(
      "class server: warning: unprivileged user namespaces are off here, so the sandbox that re-runs student code shares this machine's network (files, processes and workers stay denied).\n",
    );
  }
  let relay: { port: number; token: string; close(): Promise<void> } | undefined;
  const origin = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  if (!values['no-vm']) {
    try {
      const { vmImage } = await import('../../sandboxes/vm/qemu.ts');
      const image = vmImage();
      const { startRelay } = await import('../../sandboxes/vm/relay/relay.ts');
      relay = await startRelay({ image, host: '127.0.0.1', port: 0, origins: [origin, ...(values.origin ?? [])] });
    } catch (e) {
      process.stderr.write(
        `class server: no VM relay (${(e as Error).message.split('\n')[0]}); lessons run on the simulated kernel.\n`,
      );
    }
  }
  const server = createClassServer({
    database,
    course: loadCourse(),
    distDir: dist,
    relayPort: relay?.port,
    verifiers,
  });
  await new Promise<void>((ok, fail) => {
    server.http.once('error', fail);
    server.http.listen(port, host, ok);
  });
  const addr = server.http.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  const shown = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actual}`;
  console.log(`netlink-lab class server on ${shown} (database: ${database.kind} ${database.where})`);
  console.log(`  create a class:  ${shown}/class/`);
  if (relay) console.log(`  VM relay:        ${shown.replace(/^http/, 'ws')}/relay/?token=${relay.token}`);
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  server.http.close();
  await server.stop();
  await relay?.close();
  await database.close();
  return 0;
}
