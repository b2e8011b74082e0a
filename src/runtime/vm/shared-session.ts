/**
 * One VM per page: the lesson's Terminal panel and the playground's "Real VM" runs share one relay
 * session, so `cat /proc/net/netlink` in the terminal shows the program's sockets. Whoever needs
 * the VM first opens the session; it lasts until it is closed (Stop the VM, the relay's limits).
 *
 * Agent ports whose agent may still be blocked in a syscall (a program stopped mid-call) are
 * not handed out again: `usablePorts()` leaves them out.
 */
import { connectRelay, type Hello, type RelaySession } from './relay-client.ts';
import { CMDLINE_PARAM } from '../../agent/relay-frames.ts';
import { encodeRequest, FrameSplitter, OP } from '../../agent/protocol.ts';
import { agentTap, linkSession, type AgentLink, type AgentTap } from './agent-link.ts';
import { bridgeToPort } from './agent-link-port.ts';

/** The page's VM session. */
export interface SharedVm {
  readonly url: string;
  /** The words its kernel command line has besides the image's own (a lesson's `cmdline:`), or ''. */
  readonly cmdline: string;
  readonly session: RelaySession;
  readonly hello: Promise<Hello>;
  /** Listen to the console (from now on); returns a function that stops listening. */
  onConsole(listener: (bytes: Uint8Array) => void): () => void;
  /** Agent ports with no request waiting for an answer. */
  usablePorts(): number[];
  /** A link to the usable agent ports, for a kernel on this thread. */
  link(): Promise<AgentLink>;
  /**
   * A MessagePort carrying the usable agent ports to a worker (see agent-link.ts), and its end().
   * `end(true)` after a run was stopped: the agents it used are told to exit (at once, or when the
   * syscall they are in returns), so the next run gets fresh processes.
   */
  bridge(): Promise<{ port: MessagePort; ports: number[]; end(abandoned?: boolean): void }>;
}

let current: SharedVm | null = null;

/** The page's VM session if one is open. */
export function sharedVm(): SharedVm | null {
  return current;
}

/** The relay URL that asks for a VM booted with `cmdline` (nothing added when it is empty). */
export function vmUrl(url: string, cmdline: string): string {
  if (!cmdline) return url;
  const u = new URL(url);
  u.searchParams.set(CMDLINE_PARAM, cmdline);
  return u.toString();
}

/**
 * Thrown when the page's VM was booted with another kernel command line than the one asked for:
 * a kernel's command line is fixed at boot, so that VM cannot serve; the learner chooses to stop it.
 */
export class CmdlineMismatch extends Error {
  constructor(
    readonly running: string,
    readonly wanted: string,
  ) {
    super(
      `The VM running on this page booted with ${running ? `the kernel command line "${running}"` : 'no lesson command line'}, and this needs ${wanted ? `"${wanted}"` : 'none'}; a kernel's command line is fixed when it boots. Stop that VM ("Stop the VM" in the Terminal panel), then try again: a new one boots with this line.`,
    );
    this.name = 'CmdlineMismatch';
  }
}

/**
 * The page's VM session for `url` whose kernel booted with `cmdline` appended (a lesson's front
 * matter `cmdline:`): the open one, or a new one (a new VM). Throws {@link CmdlineMismatch} when
 * the open VM of this relay booted with another line.
 */
export function openSharedVm(url: string, cmdline = ''): SharedVm {
  cmdline = cmdline.trim().split(/\s+/).filter(Boolean).join(' ');
  if (current && current.url === url) {
    if (current.cmdline === cmdline) return current;
    throw new CmdlineMismatch(current.cmdline, cmdline);
  }
  current?.session.close();
  const consoleListeners = new Set<(b: Uint8Array) => void>();
  const tap: AgentTap = agentTap();
  // Requests sent and answers received per port: a port with more requests than answers has an
  // agent still inside a syscall.
  const outstanding = new Map<number, number>();
  const splitters = new Map<number, FrameSplitter>();
  // Ports whose agent served a stopped run: told to exit once idle. The pid of each port's agent
  // (from its HELLO answers), to kill one that is blocked.
  const exitWhenIdle = new Set<number>();
  const agentPids = new Map<number, number>();
  const sendExit = (port: number) => {
    exitWhenIdle.delete(port);
    sent(port);
    session.sendAgent(encodeRequest(0xfffffff0, OP.EXIT, new Uint8Array(new Int32Array([137]).buffer)), port);
  };
  const session = connectRelay(vmUrl(url, cmdline), {
    console: (b) => {
      for (const l of consoleListeners) l(b);
    },
    agent: (b, port) => {
      const s = splitters.get(port) ?? new FrameSplitter();
      splitters.set(port, s);
      let answers = 0;
      try {
        const rs = s.push(b);
        answers = rs.length;
        for (const r of rs)
          if (r.op === OP.HELLO && r.status === 0 && r.body.length >= 4)
            agentPids.set(port, new DataView(r.body.buffer, r.body.byteOffset).getInt32(0, true));
      } catch {
        outstanding.set(port, Infinity);
      }
      outstanding.set(port, (outstanding.get(port) ?? 0) - answers);
      tap.handler(b, port);
      if (exitWhenIdle.has(port) && (outstanding.get(port) ?? 0) <= 0) sendExit(port);
    },
  });
  const sent = (port: number) => outstanding.set(port, (outstanding.get(port) ?? 0) + 1);
  const hello = session.hello;
  const counting = (link: AgentLink): AgentLink => ({
    ...link,
    send: (p, bytes) => {
      sent(p);
      link.send(p, bytes);
    },
  });
  const vm: SharedVm = {
    url,
    cmdline,
    session,
    hello,
    onConsole(l) {
      consoleListeners.add(l);
      return () => consoleListeners.delete(l);
    },
    usablePorts() {
      return allPorts.filter((p) => (outstanding.get(p) ?? 0) <= 0);
    },
    async link() {
      await hello;
      return counting(linkSession(session, tap, vm.usablePorts()));
    },
    async bridge() {
      const link = await vm.link();
      const used = new Set<number>();
      const b = bridgeToPort({
        ...link,
        send: (p, bytes) => {
          used.add(p);
          link.send(p, bytes);
        },
      });
      return {
        port: b.port,
        ports: link.ports,
        end(abandoned = false) {
          b.end();
          if (!abandoned) return;
          for (const p of used) {
            if ((outstanding.get(p) ?? 0) <= 0) {
              sendExit(p);
              continue;
            }
            // Blocked in a syscall: kill it; the guest starts a fresh agent on the port.
            const pid = agentPids.get(p);
            if (pid === undefined) {
              exitWhenIdle.add(p);
              continue;
            }
            void session.kill(pid).then((ret) => {
              if (ret !== 0) return;
              outstanding.set(p, 0);
              splitters.delete(p);
              agentPids.delete(p);
            });
          }
        },
      };
    },
  };
  let allPorts: number[] = [];
  void hello.then(
    (h) => {
      allPorts = Array.from({ length: h.agentPorts }, (_, i) => i + 1);
    },
    () => {},
  );
  void session.closed.then(() => {
    if (current === vm) current = null;
  });
  current = vm;
  return vm;
}
