/**
 * Stop the relay when whoever launched it is gone. `npm run vm` makes a chain npm → sh → tsx →
 * node (this process); a signal to npm alone (`kill <npm pid>`) does not always travel down it,
 * which would leave the relay and its VMs running with nobody to stop them. So the relay watches
 * its launcher chain — its ancestors that are node, npm, tsx or a shell running one of them — and
 * stops when one of them exits or is re-parented.
 */
import { readFileSync } from 'node:fs';

interface Link {
  pid: number;
  ppid: number;
  starttime: string;
}

/** pid, ppid and start time of a process from /proc/<pid>/stat, or null when it is gone. */
function stat(pid: number): Link | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: the fields follow the last ')'.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(f[1]), starttime: f[19]! };
  } catch {
    return null;
  }
}

function isLauncher(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const exe = (argv[0] ?? '').split('/').pop() ?? '';
    if (exe === 'node' || exe === 'npm' || exe === 'npx' || exe === 'tsx') return true;
    return (
      (exe === 'sh' || exe === 'bash' || exe === 'dash') && argv.slice(1).some((a) => /\b(tsx|npm|node)\b/.test(a))
    );
  } catch {
    return false;
  }
}

/** The launcher chain above this process (nearest first). */
export function launcherChain(): Link[] {
  const chain: Link[] = [];
  let pid = process.ppid;
  while (pid > 1 && isLauncher(pid)) {
    const s = stat(pid);
    if (!s) break;
    chain.push(s);
    pid = s.ppid;
  }
  return chain;
}

/**
 * Call `onGone` once when a process of the launcher chain exits or gets another parent. Checks
 * every `intervalMs`; returns a function that stops watching. Does nothing without /proc.
 */
export function watchLaunchers(onGone: (why: string) => void, intervalMs = 1000): () => void {
  const chain = launcherChain();
  const parent = process.ppid;
  const timer = setInterval(() => {
    let why: string | null = null;
    if (process.ppid !== parent) why = `its parent process ${parent} exited`;
    for (const l of chain) {
      if (why) break;
      const now = stat(l.pid);
      if (!now || now.starttime !== l.starttime) why = `the process that launched it (pid ${l.pid}) exited`;
      else if (now.ppid !== l.ppid) why = `the process that launched it (pid ${l.ppid}) exited`;
    }
    if (why) {
      clearInterval(timer);
      onGone(why);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
