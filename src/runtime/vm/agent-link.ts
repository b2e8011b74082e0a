/**
 * The agent ports of a relay session as a plain interface, so the VM backend runs wherever the
 * bytes can reach: on the page that holds the WebSocket, or in the program worker through a
 * MessagePort the page bridges to the session (the VM then outlives the worker, which the
 * playground throws away after each run).
 */
import { CHANNEL } from '../../agent/relay-frames.ts';
import type { RelaySession } from './relay-client.ts';

/** Byte streams to and from a VM's agent ports. */
export interface AgentLink {
  /** The agent ports this link may use (numbers 1…N of the VM's ports). */
  readonly ports: number[];
  /**
   * Ports with no agent, where a forked child serves (spawn() from inside a process is fork: the
   * parent's agent forks and the child opens `dev`, see sandboxes/real/PROTOCOL.md's FORK). None:
   * spawn() starts a fresh agent on an agent port instead.
   */
  readonly forkPorts?: { port: number; dev: string }[];
  send(port: number, bytes: Uint8Array): void;
  /** Listen to every port's bytes; returns a function that stops listening. */
  onData(listener: (port: number, bytes: Uint8Array) => void): () => void;
  /** Resolves when the link is gone (the session closed); the reason in a sentence. */
  readonly closed: Promise<string>;
  /** Load or unload a VM module through the relay (see frames.ts); resolves to 0 or -errno. */
  module(op: 'load' | 'unload', name: string, params: string[]): Promise<number>;
}

/** A fan-out of the session's agent bytes; built by {@link linkSession}. */
class Listeners {
  private readonly set = new Set<(port: number, bytes: Uint8Array) => void>();
  add(l: (port: number, bytes: Uint8Array) => void): () => void { this.set.add(l); return () => this.set.delete(l); }
  emit(port: number, bytes: Uint8Array): void { for (const l of this.set) l(port, bytes); }
}

/**
 * A session whose agent bytes can be listened to: connect with `agentHandler` as the relay
 * client's `agent` handler, then make links with {@link linkSession}.
 */
export interface AgentTap {
  /** Pass as `connectRelay(url, { agent: tap.handler })`. */
  handler(bytes: Uint8Array, port: number): void;
  listeners: Listeners;
}

/** A tap for a session's agent channels. */
export function agentTap(): AgentTap {
  const listeners = new Listeners();
  return { listeners, handler: (bytes, port) => listeners.emit(port, bytes) };
}

/** A link over a session on this thread, to the agent ports `ports`. */
export function linkSession(session: RelaySession, tap: AgentTap, ports: number[]): AgentLink {
  return {
    ports,
    send: (port, bytes) => session.sendAgent(bytes, port),
    onData: (l) => tap.listeners.add(l),
    closed: session.closed.then((c) => c.reason),
    module: (op, name, params) => session.module(op, name, params),
  };
}

/** Messages on a bridged MessagePort. */
type PortMessage =
  | { type: 'data'; port: number; bytes: Uint8Array }
  | { type: 'closed'; reason: string }
  | { type: 'module'; id: number; op: 'load' | 'unload'; name: string; params: string[] }
  | { type: 'module-result'; id: number; ret: number };

/**
 * On the page: a MessagePort (transfer it to the worker) that carries a session's agent ports,
 * and a function that ends the bridge (the session stays open).
 */
export function bridgeToPort(link: AgentLink): { port: MessagePort; end(): void } {
  const ch = new MessageChannel();
  const off = link.onData((port, bytes) => ch.port1.postMessage({ type: 'data', port, bytes } satisfies PortMessage));
  ch.port1.onmessage = (ev: MessageEvent<PortMessage>) => {
    const m = ev.data;
    if (m?.type === 'data' && m.port >= CHANNEL.FIRST_AGENT && (link.ports.includes(m.port) || link.forkPorts?.some((f) => f.port === m.port))) link.send(m.port, m.bytes);
    else if (m?.type === 'module') {
      void link.module(m.op, m.name, m.params).then((ret) => ch.port1.postMessage({ type: 'module-result', id: m.id, ret } satisfies PortMessage));
    }
  };
  void link.closed.then((reason) => ch.port1.postMessage({ type: 'closed', reason } satisfies PortMessage));
  return { port: ch.port2, end() { off(); ch.port1.close(); } };
}

/** In the worker: the link at the other end of {@link bridgeToPort}'s port. */
export function linkFromPort(port: MessagePort, ports: number[], forkPorts: { port: number; dev: string }[] = []): AgentLink {
  const listeners = new Listeners();
  let closedWith!: (reason: string) => void;
  const closed = new Promise<string>((r) => { closedWith = r; });
  const modules = new Map<number, (ret: number) => void>();
  let nextId = 1;
  port.onmessage = (ev: MessageEvent<PortMessage>) => {
    const m = ev.data;
    if (m.type === 'data') listeners.emit(m.port, m.bytes);
    else if (m.type === 'closed') closedWith(m.reason);
    else if (m.type === 'module-result') { modules.get(m.id)?.(m.ret); modules.delete(m.id); }
  };
  return {
    ports,
    forkPorts,
    send: (p, bytes) => port.postMessage({ type: 'data', port: p, bytes } satisfies PortMessage),
    onData: (l) => listeners.add(l),
    closed,
    module: (op, name, params) => new Promise<number>((resolve) => {
      const id = nextId++;
      modules.set(id, resolve);
      port.postMessage({ type: 'module', id, op, name, params } satisfies PortMessage);
    }),
  };
}
