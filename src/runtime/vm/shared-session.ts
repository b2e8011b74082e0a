/**
 * One VM per page: the lesson's Terminal panel and the playground's "Real VM" runs share one relay
 * session, so `cat /proc/net/netlink` in the terminal shows the program's sockets. Whoever needs
 * the VM first opens the session; it lasts until it is closed (Stop the VM, the relay's limits).
 *
 * Agent ports whose agent may still be blocked in a syscall (a program stopped mid-call) are
 * not handed out again: `usablePorts()` leaves them out.
 */
import { connectRelay, type Hello, type RelaySession } from './relay-client.ts';
import { FrameSplitter } from '../../../sandboxes/real/protocol.ts';
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
  /** A MessagePort carrying the usable agent ports to a worker (see agent-link.ts), and its end(). */
  bridge(): Promise<{ port: MessagePort; ports: number[]; end(): void }>;
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
  const session = connectRelay(url, {
    console: (b) => { for (const l of consoleListeners) l(b); },
    agent: (b, port) => {
      const s = splitters.get(port) ?? new FrameSplitter();
      splitters.set(port, s);
      let answers = 0;
      try { answers = s.push(b).length; } catch { outstanding.set(port, Infinity); }
      outstanding.set(port, (outstanding.get(port) ?? 0) - answers);
      tap.handler(b, port);
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
      const b = bridgeToPort(link);
      return { ...b, ports: link.ports };
    },
  };
  let allPorts: number[] = [];
  void hello.then((h) => { allPorts = Array.from({ length: h.agentPorts }, (_, i) => i + 1); }, () => {});
  void session.closed.then(() => { if (current === vm) current = null; });
  current = vm;
  return vm;
}
