/**
 * `npm run vm [-- flags]`: start the VM relay and print the URL a lesson's Terminal panel needs.
 *
 *   --host ADDR          listen address (default 127.0.0.1; anything else exposes VMs to the network)
 *   --port N             TCP port (default 8765; 0 = any free port)
 *   --origin URL         another site origin allowed to connect (repeatable), besides
 *                        http://127.0.0.1:4321 and http://localhost:4321 (the local site).
 *                        Also NETLINK_LAB_RELAY_ORIGINS (comma-separated).
 *   --token-file PATH    read the secret from this file (first line); or set NETLINK_LAB_RELAY_TOKEN.
 *                        Default: a random one. `--token T` works too, but a command line shows in
 *                        `ps` to every user of the machine: the relay overwrites its own (process
 *                        title), not its launchers' (npm, tsx), so prefer the file or the variable.
 *   --max-sessions N     VMs at once (default 4)
 *   --memory MB          guest RAM per VM (default 128)
 *   --cpu-percent P      CPU share per VM where cgroups allow it (default 100 = one core)
 *   --idle S             stop a VM after S seconds without input (default 900)
 *   --wall S             stop a VM after S seconds in all (default 3600)
 *   --boot-timeout S     give up on a boot after S seconds (default 120)
 *   --site URL           the site's URL, for the printed lesson link (default http://127.0.0.1:4321)
 *
 * Stops on SIGINT/SIGTERM/SIGHUP, and when the process that launched it (npm, tsx) exits, killing
 * every VM; QEMU also dies with this process if it is killed outright (qemu.ts starts it under
 * `setpriv --pdeathsig KILL`).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startRelay, DEFAULT_ORIGINS } from './relay.ts';
import { ensureVmImage, vmImage, type VmImage } from '../qemu.ts';
import { watchLaunchers } from './parent-watch.ts';

const USAGE =
  'usage: npm run vm -- [--host ADDR] [--port N] [--origin URL]… [--token-file PATH | --token T] [--max-sessions N] [--memory MB] [--cpu-percent P] [--idle S] [--wall S] [--boot-timeout S] [--site URL]';

function number(name: string, v: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`--${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})\n${USAGE}`);
  return n;
}

/**
 * The longest time a flag may give, in seconds: Node's timers hold at most 2^31-1 ms (about 24.8
 * days); a longer delay overflows and fires after 1 ms, which would end every session at once.
 */
const MAX_TIMER_S = Math.floor((2 ** 31 - 1) / 1000);

/**
 * The token, from --token-file, NETLINK_LAB_RELAY_TOKEN or --token (in that order of preference;
 * giving two is an error). The variable is removed from the environment so QEMU does not inherit it.
 */
function readToken(values: { token?: string; 'token-file'?: string }): string | undefined {
  const env = process.env.NETLINK_LAB_RELAY_TOKEN;
  delete process.env.NETLINK_LAB_RELAY_TOKEN;
  const given = [
    values['token-file'] !== undefined && '--token-file',
    env !== undefined && 'NETLINK_LAB_RELAY_TOKEN',
    values.token !== undefined && '--token',
  ].filter(Boolean);
  if (given.length > 1) throw new Error(`give the token one way, not with ${given.join(' and ')}\n${USAGE}`);
  let token: string | undefined;
  if (values['token-file'] !== undefined) {
    const path = values['token-file'];
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(
        `--token-file ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      );
    }
    token = text.split('\n')[0]!.trim();
    if (!token) throw new Error(`--token-file ${path}: the file's first line is empty`);
  } else if (env !== undefined) {
    token = env.trim();
    if (!token) throw new Error('NETLINK_LAB_RELAY_TOKEN is set but empty');
  } else if (values.token !== undefined) {
    token = values.token;
    if (!token) throw new Error(`--token is empty\n${USAGE}`);
    // Overwrite this process's command line (/proc/<pid>/cmdline, what ps shows); the launchers'
    // (npm, tsx) cannot be reached from here.
    process.title = 'netlink-lab-vm-relay';
    console.error(
      "vm relay: warning: a token given with --token shows in `ps` (this process's command line is overwritten, its launchers' are not); prefer --token-file PATH or NETLINK_LAB_RELAY_TOKEN.",
    );
  }
  if (token !== undefined && !/^[\w.~-]{16,256}$/.test(token)) {
    throw new Error('the token must be 16 to 256 characters from A-Z a-z 0-9 _ . ~ - (it travels in a URL)');
  }
  return token;
}

/** Parse the flags, start the relay, print its URL, and stop it cleanly on a signal. */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      origin: { type: 'string', multiple: true },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      'max-sessions': { type: 'string' },
      memory: { type: 'string' },
      'cpu-percent': { type: 'string' },
      idle: { type: 'string' },
      wall: { type: 'string' },
      'boot-timeout': { type: 'string' },
      site: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  // Every flag is checked before anything starts (a bad one is an error, not a surprise later).
  const token = readToken(values);
  const port = number('port', values.port, 0, 65535);
  const maxSessions = number('max-sessions', values['max-sessions'], 1);
  const memoryMB = number('memory', values.memory, 64, 65536);
  const cpuPercent = number('cpu-percent', values['cpu-percent'], 5, 100 * 1024);
  const idleTimeoutS = number('idle', values.idle, 1, MAX_TIMER_S);
  const wallClockS = number('wall', values.wall, 1, MAX_TIMER_S);
  const bootTimeoutS = number('boot-timeout', values['boot-timeout'], 1, MAX_TIMER_S);
  const envOrigins = (process.env.NETLINK_LAB_RELAY_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const origins = [...(values.origin ?? []), ...envOrigins];
  const site = (values.site ?? 'http://127.0.0.1:4321').replace(/\/$/, '');
  let image: VmImage;
  try {
    image = vmImage();
  } catch {
    // First use: build the image (Debian's kernel and busybox, the course's modules, the agent).
    console.error('vm relay: there is no VM image yet; building it (npm run vm:build), which takes a minute…');
    image = ensureVmImage();
  }
  const relay = await startRelay({
    image,
    host: values.host,
    port,
    origins: [...new Set([...DEFAULT_ORIGINS, ...origins])],
    token,
    maxSessions,
    memoryMB,
    cpuPercent,
    idleTimeoutS,
    wallClockS,
    bootTimeoutS,
  });

  const loopback = /^(127\.|::1$|localhost$)/.test(relay.host);
  console.log(`netlink-lab VM relay listening on ${relay.host}:${relay.port} (relay id ${relay.relayId})`);
  if (!loopback)
    console.log(
      `warning: --host ${relay.host} lets other machines reach this relay; anyone with the token can start VMs.`,
    );
  console.log(`allowed origins: ${relay.origins.join(', ')}`);
  console.log('');
  console.log("Paste this URL into a lesson's Terminal panel:");
  console.log(`    ${relay.url}`);
  console.log('or open a lesson with it in the address, e.g.');
  console.log(`    ${site}/lessons/?relay=${encodeURIComponent(relay.url)}`);
  console.log('');
  console.log('Stop with Ctrl-C (every VM is stopped with it).');

  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) {
      console.error(`vm relay: ${sig} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.error(`vm relay: ${sig}: stopping ${relay.sessions()} VM(s)`);
    relay.close().then(
      () => process.exit(0),
      (e) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => stop(sig));
  // `kill <npm pid>` may not reach this process through npm and tsx: stop when the launcher goes.
  watchLaunchers((why) => stop(why));
  // A crash still ends the process; qemu.ts's exit hook and setpriv's pdeathsig then kill QEMU.
  process.on('uncaughtException', (e) => {
    console.error('vm relay: crashed:', e);
    process.exit(1);
  });
}

main(process.argv.slice(2)).catch((e: Error) => {
  console.error(`vm relay: ${e.message}`);
  process.exit(1);
});
