/**
 * One agent port of a VM reached through the relay: requests and responses of the agent protocol
 * (sandboxes/real/PROTOCOL.md) on an AgentLink. The guest keeps one agent serving each port and
 * starts a fresh one (a new process) when it exits, so a port serves process after process.
 * The browser's twin of sandboxes/vm/port-agent.ts, which speaks to a Node stream.
 */
import { encodeRequest, FrameSplitter, OP, Reader, ST_OK, type Response } from '../../agent/protocol.ts';
import type { AgentLink } from './agent-link.ts';

/** What HELLO answers. */
export interface AgentHello { pid: number; uid: number; gid: number; version: number }

/** The previous agent of a port may still be closing it: HELLO is asked again after this long. */
const HELLO_RETRY_MS = 400;

/** One process of a program, served by the agent on one VM port. */
export class AgentPort {
  hello!: AgentHello;
  /** True while a request waits for its answer (the agent may be blocked in a syscall). */
  get busy(): boolean { return this.pending.size > 0; }
  private tag: number;
  private readonly pending = new Map<number, { resolve(r: Response): void; reject(e: Error): void }>();
  private readonly splitter = new FrameSplitter();
  private readonly stop: () => void;
  private ended: Error | null = null;

  private constructor(private readonly link: AgentLink, readonly port: number, firstTag: number) {
    this.tag = firstTag;
    this.stop = link.onData((p, bytes) => {
      if (p !== port) return;
      let responses: Response[];
      try { responses = this.splitter.push(bytes); } catch (e) { this.end(e as Error); return; }
      for (const r of responses) {
        const w = this.pending.get(r.tag);
        // An answer meant for an earlier user of the port, or a HELLO asked twice.
        if (!w) continue;
        this.pending.delete(r.tag);
        w.resolve(r);
      }
    });
    void link.closed.then((reason) => this.end(new Error(`the VM is gone: ${reason}`)));
  }

  /**
   * Attach to a port and wait for its agent's HELLO. Tags start at `firstTag`, so an answer meant
   * for an earlier user of the port is never taken for one of ours.
   */
  static async start(link: AgentLink, port: number, firstTag: number, timeoutMs = 10_000): Promise<AgentPort> {
    const a = new AgentPort(link, port, firstTag);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (a.ended) throw a.ended;
      const tag = a.nextTag();
      const answer = new Promise<Response>((resolve, reject) => a.pending.set(tag, { resolve, reject }));
      answer.catch(() => {});
      link.send(port, encodeRequest(tag, OP.HELLO));
      const r = await Promise.race([answer, new Promise<null>((res) => setTimeout(res, HELLO_RETRY_MS, null))]);
      if (r) {
        a.pending.clear();
        const rd = new Reader(r.body);
        a.hello = { pid: rd.i32(), uid: rd.u32(), gid: rd.u32(), version: rd.u32() };
        return a;
      }
      if (Date.now() > deadline) {
        a.end(new Error('no answer'));
        throw new Error(`The agent on VM port ${port} did not answer within ${timeoutMs} ms. Is the VM image built with the agent (npm run vm:build)? Start a new VM from the Terminal panel.`);
      }
    }
  }

  private nextTag(): number { this.tag = (this.tag + 1) >>> 0; return this.tag; }

  private end(e: Error): void {
    if (this.ended) return;
    this.ended = e;
    this.stop();
    for (const w of this.pending.values()) w.reject(e);
    this.pending.clear();
  }

  /** Send one request; resolves with the response. Throws if the agent refused it as malformed. */
  async call(op: number, args?: Uint8Array): Promise<Response> {
    if (this.ended) throw this.ended;
    const tag = this.nextTag();
    const r = await new Promise<Response>((resolve, reject) => {
      this.pending.set(tag, { resolve, reject });
      this.link.send(this.port, encodeRequest(tag, op, args));
    });
    if (r.status !== ST_OK) throw new Error(`the VM agent refused op ${op}: ${new TextDecoder().decode(r.body)}`);
    return r;
  }

  /** End the process; the guest then starts a fresh agent on the port. */
  async exit(status: number): Promise<void> {
    if (this.ended) return;
    try { await this.call(OP.EXIT, new Uint8Array(new Int32Array([status]).buffer)); } catch { /* already gone */ }
    this.end(new Error(`the VM agent (pid ${this.hello?.pid}) exited with status ${status}`));
  }

  /** Stop listening without ending the guest process (it is blocked; its port is not reused). */
  abandon(): void { this.end(new Error('abandoned')); }
}
