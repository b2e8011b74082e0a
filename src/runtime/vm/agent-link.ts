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
export class Listeners {
  private readonly set = new Set<(port: number, bytes: Uint8Array) => void>();
  add(l: (port: number, bytes: Uint8Array) => void): () => void {
    this.set.add(l);
    return () => this.set.delete(l);
  }
  emit(port: number, bytes: Uint8Array): void {
    for (const l of this.set) l(port, bytes);
  }
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
