/**
 * One agent process (PROTOCOL.md in sandboxes/real) reached over a byte transport: a VM's
 * virtio-serial port seen from Node (sandboxes/vm/port-agent.ts), or the same port through the
 * relay from a browser (src/runtime/vm/agent-link.ts). The guest keeps one agent serving each
 * port and starts a fresh one (a new process) when it exits, so a port serves process after
 * process: tags start at a caller-chosen base so an answer meant for an earlier user of the port
 * is never taken for one of ours. No DOM, no Node: bytes only.
 */
import { encodeRequest, FrameSplitter, OP, Reader, ST_OK, type Response } from './protocol.ts';

/** What HELLO answers. */
export interface AgentHello {
  pid: number;
  uid: number;
  gid: number;
  version: number;
}

/** A request the agent refused as malformed (a bug in the caller, not a syscall error). */
export class AgentProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentProtocolError';
  }
}

/** The bytes to and from one agent. */
export interface AgentTransport {
  send(bytes: Uint8Array): void;
  /** Listen to the agent's bytes; returns a function that stops listening. */
  onData(listener: (bytes: Uint8Array) => void): () => void;
  /** Resolves, with the reason in a sentence, when the transport is gone for good. */
  readonly closed?: Promise<string>;
}

/** How {@link AgentClient.start} attaches. */
export interface AgentClientOptions {
  /** Tags of this client's requests start after this number. */
  firstTag: number;
  /** How long to wait for the agent's HELLO in all. Default 10 s. */
  timeoutMs?: number;
  /** The error to throw when no HELLO came in time (it should say what to do). */
  noAnswer?: (timeoutMs: number) => Error;
  /** Kill the guest process with this pid: the agent may be blocked in a syscall, where no request reaches it. */
  kill?: (pid: number) => Promise<void>;
}

/** The previous agent of a port may still be closing it: HELLO is asked again after this long. */
const HELLO_RETRY_MS = 400;

/** One process of a program, served by one agent. */
export class AgentClient {
  hello!: AgentHello;
  /** Resolves with the exit status once the agent has exited, was killed or abandoned. */
  readonly exited: Promise<number>;
  /** True while a request waits for its answer (the agent may be blocked in a syscall). */
  get busy(): boolean {
    return this.pending.size > 0;
  }
  private tag: number;
  private readonly pending = new Map<number, { resolve(r: Response): void; reject(e: Error): void }>();
  private readonly splitter = new FrameSplitter();
  private readonly stop: () => void;
  private ended: Error | null = null;
  private resolveExit!: (status: number) => void;

  private constructor(
    private readonly transport: AgentTransport,
    private readonly opts: AgentClientOptions,
  ) {
    this.tag = opts.firstTag;
    this.exited = new Promise((res) => {
      this.resolveExit = res;
    });
    this.stop = transport.onData((bytes) => {
      let responses: Response[];
      try {
        responses = this.splitter.push(bytes);
      } catch (e) {
        this.end(e as Error, 1);
        return;
      }
      for (const r of responses) {
        const w = this.pending.get(r.tag);
        // An answer meant for an earlier user of the port, or a HELLO asked twice.
        if (!w) continue;
        this.pending.delete(r.tag);
        w.resolve(r);
      }
    });
    void transport.closed?.then((reason) => this.end(new Error(`the VM is gone: ${reason}`), 1));
  }

  /** Attach to a transport and wait for its agent's HELLO. */
  static async start(transport: AgentTransport, opts: AgentClientOptions): Promise<AgentClient> {
    const a = new AgentClient(transport, opts);
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (a.ended) throw a.ended;
      const tag = a.nextTag();
      const answer = new Promise<Response>((resolve, reject) => a.pending.set(tag, { resolve, reject }));
      answer.catch(() => {});
      transport.send(encodeRequest(tag, OP.HELLO));
      const r = await Promise.race([answer, new Promise<null>((res) => setTimeout(res, HELLO_RETRY_MS, null))]);
      if (r) {
        a.pending.clear();
        const rd = new Reader(r.body);
        a.hello = { pid: rd.i32(), uid: rd.u32(), gid: rd.u32(), version: rd.u32() };
        return a;
      }
      if (Date.now() > deadline) {
        const e = opts.noAnswer?.(timeoutMs) ?? new Error(`no agent answered within ${timeoutMs} ms`);
        a.end(e, 1);
        throw e;
      }
    }
  }

  /**
   * Attach to a transport where a forked child is starting, without writing to it: the child
   * announces itself with an unasked HELLO (tag 0). Used where bytes sent before the child opens
   * the port would wait in the device and reach it cut (a serial port's receive buffer, sandboxes/v86).
   */
  static async adopt(transport: AgentTransport, opts: AgentClientOptions): Promise<AgentClient> {
    const a = new AgentClient(transport, opts);
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const hello = new Promise<Response>((resolve, reject) => a.pending.set(0, { resolve, reject }));
    hello.catch(() => {});
    const r = await Promise.race([hello, new Promise<null>((res) => setTimeout(res, timeoutMs, null))]);
    if (!r) {
      const e = opts.noAnswer?.(timeoutMs) ?? new Error(`no forked child announced itself within ${timeoutMs} ms`);
      a.end(e, 1);
      throw e;
    }
    const rd = new Reader(r.body);
    a.hello = { pid: rd.i32(), uid: rd.u32(), gid: rd.u32(), version: rd.u32() };
    return a;
  }

  private nextTag(): number {
    this.tag = (this.tag + 1) >>> 0;
    return this.tag;
  }

  private end(e: Error, status: number): void {
    if (this.ended) return;
    this.ended = e;
    this.stop();
    for (const w of this.pending.values()) w.reject(e);
    this.pending.clear();
    this.resolveExit(status);
  }

  /** Send one request; resolves with the response. Throws AgentProtocolError if the agent refused it as malformed. */
  async call(op: number, args?: Uint8Array): Promise<Response> {
    if (this.ended) throw this.ended;
    const tag = this.nextTag();
    const r = await new Promise<Response>((resolve, reject) => {
      this.pending.set(tag, { resolve, reject });
      this.transport.send(encodeRequest(tag, op, args));
    });
    if (r.status !== ST_OK)
      throw new AgentProtocolError(`the agent refused op ${op}: ${new TextDecoder().decode(r.body)}`);
    return r;
  }

  /** End the process with an exit status; the guest then starts a fresh agent on the port. */
  async exit(status: number): Promise<void> {
    if (this.ended) return;
    try {
      await this.call(OP.EXIT, new Uint8Array(new Int32Array([status]).buffer));
    } catch {
      /* already gone */
    }
    this.end(new Error(`the VM agent (pid ${this.hello?.pid}) exited with status ${status}`), status);
  }

  /** Kill the guest process at once (it may be blocked in a syscall); without a `kill` option, abandon it. */
  kill(): void {
    if (this.ended) return;
    const pid = this.hello?.pid;
    const done = () => this.end(new Error(`the VM agent (pid ${pid}) was killed`), 137);
    if (pid === undefined || !this.opts.kill) {
      done();
      return;
    }
    this.opts.kill(pid).then(done, done);
  }

  /** Stop listening without ending the guest process (it is blocked; its port is not reused). */
  abandon(): void {
    this.end(new Error('abandoned'), 1);
  }
}
