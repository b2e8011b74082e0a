/**
 * One VM per page: the lesson's Terminal panel and the playground's "Real VM" runs share one relay
 * session, so `cat /proc/net/netlink` in the terminal shows the program's sockets. Whoever needs
 * the VM first opens the session; it lasts until it is closed (Stop the VM, the relay's limits).
 *
 * Agent ports whose agent may still be blocked in a syscall (a program stopped mid-call) are
 * not handed out again: `usablePorts()` leaves them out.
 */
import { connectRelay, type Hello, type RelaySession } from './relay-client.ts';
import { encodeRequest, FrameSplitter, OP } from '../../agent/protocol.ts';
import { agentTap, bridgeToPort, linkSession, type AgentLink, type AgentTap } from './agent-link.ts';

/** The page's VM session. */
export interface SharedVm {
  readonly url: string;
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
export function sharedVm(): SharedVm | null { return current; }

/** The page's VM session for `url`: the open one, or a new one (a new VM). */
export function openSharedVm(url: string): SharedVm {
  if (current && current.url === url) return current;
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
  const session = connectRelay(url, {
    console: (b) => { for (const l of consoleListeners) l(b); },
    agent: (b, port) => {
      const s = splitters.get(port) ?? new FrameSplitter();
      splitters.set(port, s);
      let answers = 0;
      try {
        const rs = s.push(b);
        answers = rs.length;
        for (const r of rs) if (r.op === OP.HELLO && r.status === 0 && r.body.length >= 4) agentPids.set(port, new DataView(r.body.buffer, r.body.byteOffset).getInt32(0, true));
      } catch { outstanding.set(port, Infinity); }
      outstanding.set(port, (outstanding.get(port) ?? 0) - answers);
      tap.handler(b, port);
      if (exitWhenIdle.has(port) && (outstanding.get(port) ?? 0) <= 0) sendExit(port);
    },
  });
  const sent = (port: number) => outstanding.set(port, (outstanding.get(port) ?? 0) + 1);
  const hello = session.hello;
  const counting = (link: AgentLink): AgentLink => ({ ...link, send: (p, bytes) => { sent(p); link.send(p, bytes); } });
  const vm: SharedVm = {
    url, session, hello,
    onConsole(l) { consoleListeners.add(l); return () => consoleListeners.delete(l); },
    usablePorts() { return allPorts.filter((p) => (outstanding.get(p) ?? 0) <= 0); },
    async link() {
      await hello;
      return counting(linkSession(session, tap, vm.usablePorts()));
    },
    async bridge() {
      const link = await vm.link();
      const used = new Set<number>();
      const b = bridgeToPort({ ...link, send: (p, bytes) => { used.add(p); link.send(p, bytes); } });
      return {
        port: b.port,
        ports: link.ports,
        end(abandoned = false) {
          b.end();
          if (!abandoned) return;
          for (const p of used) {
            if ((outstanding.get(p) ?? 0) <= 0) { sendExit(p); continue; }
            // Blocked in a syscall: kill it; the guest starts a fresh agent on the port.
            const pid = agentPids.get(p);
            if (pid === undefined) { exitWhenIdle.add(p); continue; }
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
  void hello.then((h) => { allPorts = Array.from({ length: h.agentPorts }, (_, i) => i + 1); }, () => {});
  void session.closed.then(() => { if (current === vm) current = null; });
  current = vm;
  return vm;
}
