/**
 * An AgentLink carried over a MessagePort: the page bridges its relay session (or in-browser
 * machine) to the program worker, which the playground throws away after each run.
 */
import { Listeners, type AgentLink } from './agent-link.ts';
import { CHANNEL } from '../../agent/relay-frames.ts';

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
    if (
      m?.type === 'data' &&
      m.port >= CHANNEL.FIRST_AGENT &&
      (link.ports.includes(m.port) || link.forkPorts?.some((f) => f.port === m.port))
    )
      link.send(m.port, m.bytes);
    else if (m?.type === 'module') {
      void link
        .module(m.op, m.name, m.params)
        .then((ret) => ch.port1.postMessage({ type: 'module-result', id: m.id, ret } satisfies PortMessage));
    }
  };
  void link.closed.then((reason) => ch.port1.postMessage({ type: 'closed', reason } satisfies PortMessage));
  return {
    port: ch.port2,
    end() {
      off();
      ch.port1.close();
    },
  };
}

/** In the worker: the link at the other end of {@link bridgeToPort}'s port. */
export function linkFromPort(
  port: MessagePort,
  ports: number[],
  forkPorts: { port: number; dev: string }[] = [],
): AgentLink {
  const listeners = new Listeners();
  let closedWith!: (reason: string) => void;
  const closed = new Promise<string>((r) => {
    closedWith = r;
  });
  const modules = new Map<number, (ret: number) => void>();
  let nextId = 1;
  port.onmessage = (ev: MessageEvent<PortMessage>) => {
    const m = ev.data;
    if (m.type === 'data') listeners.emit(m.port, m.bytes);
    else if (m.type === 'closed') closedWith(m.reason);
    else if (m.type === 'module-result') {
      modules.get(m.id)?.(m.ret);
      modules.delete(m.id);
    }
  };
  return {
    ports,
    forkPorts,
    send: (p, bytes) => port.postMessage({ type: 'data', port: p, bytes } satisfies PortMessage),
    onData: (l) => listeners.add(l),
    closed,
    module: (op, name, params) =>
      new Promise<number>((resolve) => {
        const id = nextId++;
        modules.set(id, resolve);
        port.postMessage({ type: 'module', id, op, name, params } satisfies PortMessage);
      }),
  };
}
