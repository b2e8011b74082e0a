/**
 * An agent in the VM, reached through one virtio-serial port (see qemu.ts's `agents`). The guest's
 * /init keeps one agent serving each port and starts a fresh one (a new process) when it exits,
 * so a port is reused process after process. Same request/response protocol as a local agent
 * (sandboxes/real/PROTOCOL.md); only the transport differs.
 */
import type { Duplex } from 'node:stream';
import { AgentProtocolError, type AgentHello } from '../real/agent-process.ts';
import { encodeRequest, FrameSplitter, OP, Reader, ST_OK, type Response } from '../../src/agent/protocol.ts';

/** How long to wait for a HELLO answer before asking again (the previous agent may still be closing the port). */
const HELLO_RETRY_MS = 400;

/** One process of a program, served by the agent on a VM port. */
export class PortAgent {
  hello!: AgentHello;
  /** Resolves with the exit status once the agent has exited or was killed. */
  readonly exited: Promise<number>;
  private tag: number;
  private readonly pending = new Map<number, { resolve: (r: Response) => void; reject: (e: Error) => void }>();
  private readonly splitter = new FrameSplitter();
  private ended: Error | null = null;
  private resolveExit!: (status: number) => void;
  private readonly onData = (c: Buffer) => {
    let responses: Response[];
    try {
      responses = this.splitter.push(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
    } catch (e) {
      this.end(e as Error, 1);
      return;
    }
    for (const r of responses) {
      const p = this.pending.get(r.tag);
      // A late answer to a HELLO that was asked twice: nothing waits for it.
      if (!p) continue;
      this.pending.delete(r.tag);
      p.resolve(r);
    }
  };

  private constructor(
    private readonly port: Duplex,
    private readonly killer: (pid: number) => Promise<void>,
    firstTag: number,
  ) {
    this.tag = firstTag;
    this.exited = new Promise((res) => { this.resolveExit = res; });
    port.on('data', this.onData);
    // A port paused earlier (agentsListening pauses each port after taking a boot snapshot) stays
    // paused when a 'data' listener is added: without this, the first user of a port hears nothing.
    port.resume();
  }

  /**
   * Attach to a port and wait for its agent's HELLO. `killer` kills a guest pid (the agent may be
   * blocked in a syscall, where no request reaches it). Tags start at `firstTag` so a stale answer
   * meant for an earlier user of the port is never mistaken for ours.
   */
  static async start(port: Duplex, killer: (pid: number) => Promise<void>, firstTag: number, timeoutMs = 10_000): Promise<PortAgent> {
    const a = new PortAgent(port, killer, firstTag);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const tag = a.nextTag();
      const answer = new Promise<Response>((resolve, reject) => a.pending.set(tag, { resolve, reject }));
      port.write(encodeRequest(tag, OP.HELLO));
      const r = await Promise.race([answer, new Promise<null>((res) => setTimeout(res, HELLO_RETRY_MS, null))]);
      if (r) {
        a.pending.clear();
        const rd = new Reader(r.body);
        a.hello = { pid: rd.i32(), uid: rd.u32(), gid: rd.u32(), version: rd.u32() };
        return a;
      }
      if (Date.now() > deadline) {
        a.end(new Error(`no agent answered on the VM port within ${timeoutMs} ms (is the agent in the image? rebuild with \`npm run vm:build\`)`), 1);
        throw a.ended;
      }
    }
  }

  private nextTag(): number { this.tag = (this.tag + 1) >>> 0; return this.tag; }

  private end(e: Error, status: number): void {
    if (this.ended) return;
    this.ended = e;
    this.port.off('data', this.onData);
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.resolveExit(status);
  }

  /** Send one request; resolves with the response (status ST_OK). */
  async call(op: number, args?: Uint8Array): Promise<Response> {
    if (this.ended) throw this.ended;
    const tag = this.nextTag();
    const r = await new Promise<Response>((resolve, reject) => {
      this.pending.set(tag, { resolve, reject });
      this.port.write(encodeRequest(tag, op, args));
    });
    if (r.status !== ST_OK) throw new AgentProtocolError(`agent refused op ${op}: ${new TextDecoder().decode(r.body)}`);
    return r;
  }

  /** End the process with an exit status; the guest then starts a fresh agent on the port. */
  async exit(status: number): Promise<void> {
    if (this.ended) return;
    try {
      await this.call(OP.EXIT, new Uint8Array(new Int32Array([status]).buffer));
    } catch { /* already gone */ }
    this.end(new Error(`the VM agent (pid ${this.hello?.pid}) exited with status ${status}`), status);
  }

  /** Kill the guest process at once (it may be blocked in a syscall). */
  kill(): void {
    if (this.ended) return;
    const pid = this.hello?.pid;
    const done = () => this.end(new Error(`the VM agent (pid ${pid}) was killed`), 137);
    if (pid === undefined) { done(); return; }
    this.killer(pid).then(done, done);
  }
}
