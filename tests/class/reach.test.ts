/**
 * What a program and its kernel modules are given leads nowhere near the record of the run. A
 * verification runs the program in the same realm as the simulated kernel (src/server/harden.ts
 * says why and what is frozen); the record of a run is written by the session (its observer and
 * the kernel's event listeners, which the tracer, the scheduler and the module host feed). A
 * program that reached one of those could write a trace entry or an event of its own making.
 *
 * Every lesson's solution runs here with netlink-lab/user and netlink-lab/kernel wrapped: every
 * argument, return value, and argument of a callback the kernel calls (module init, netlink
 * input, genl doit/dumpit, file operations, seq_file, timers, work) is searched through its
 * properties, getters, prototypes and Map/Set contents for the kernel's own objects.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as user from '../../src/api/user.ts';
import * as kernelApi from '../../src/api/kernel.ts';
import { runSession, type SessionKernel } from '../../src/runtime/session.ts';
import { loadModule, compile } from '../../src/runtime/program.ts';
import { SimKernel } from '../../sandboxes/sim/host/kernel.ts';
import { GenlBridge } from '../../sandboxes/sim/host/genl.ts';
import { ModuleHost } from '../../sandboxes/sim/host/modules.ts';
import { Process, Scheduler, Waiter } from '../../sandboxes/sim/host/sched.ts';
import { Tracer } from '../../sandboxes/sim/host/trace.ts';
import { KernelGc } from '../../sandboxes/sim/host/wasm.ts';
import { Vfs } from '../../sandboxes/sim/host/fs/vfs.ts';
import { CharDevs } from '../../sandboxes/sim/host/fs/char_dev.ts';
import { DebugFs } from '../../sandboxes/sim/host/fs/debugfs.ts';
import { loadCourse, ROOT } from '../../src/server/course.ts';
import { bootKernel } from '../fixtures/sim-kernel.ts';
import type { KernelModule } from '../../src/api/types.ts';

const KERNEL_OBJECTS: [string, abstract new (...a: never[]) => unknown][] = [
  ['SimKernel', SimKernel],
  ['GenlBridge', GenlBridge],
  ['ModuleHost', ModuleHost],
  ['Scheduler', Scheduler],
  ['Process', Process],
  ['Waiter', Waiter],
  ['Tracer', Tracer],
  ['KernelGc', KernelGc],
  ['Vfs', Vfs],
  ['CharDevs', CharDevs],
  ['DebugFs', DebugFs],
];
/** Functions of the kernel's internal contexts (ModuleContext, VfsContext): record-writing capabilities. */
const CONTEXT_FUNCTIONS = ['traceHost', 'traceHostExit', 'addPending', 'enterHost', 'onEvent', 'procEvent', 'switchTo'];

/**
 * The simulator's and the API's own classes (by name, read from their sources): an instance a
 * program gets must have a frozen prototype, or the program could change a getter the kernel
 * itself reads (Skb.prototype.len goes into a trace entry's text).
 */
const HOST_CLASSES = new Set(
  ['sandboxes/sim/host', 'src/api'].flatMap((d) =>
    readdirSync(join(ROOT, d), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .flatMap((f) =>
        [...readFileSync(join(ROOT, d, f), 'utf8').matchAll(/^(?:export )?class (\w+)/gm)].map((m) => m[1]!),
      ),
  ),
);

const isClass = (f: unknown) => typeof f === 'function' && /^class\b/.test(Function.prototype.toString.call(f));
const STOP = new Set<unknown>([Object.prototype, Function.prototype, Array.prototype, null, undefined]);

class Search {
  readonly found = new Map<string, string>();
  private readonly seen = new WeakSet<object>();
  scan(root: unknown, where: string): void {
    const queue: [unknown, string][] = [[root, where]];
    let budget = 50_000;
    while (queue.length && budget-- > 0) {
      const [o, path] = queue.shift()!;
      if ((typeof o !== 'object' && typeof o !== 'function') || o === null || STOP.has(o)) continue;
      if (this.seen.has(o)) continue;
      this.seen.add(o);
      for (const [name, C] of KERNEL_OBJECTS) if (o instanceof C && !this.found.has(name)) this.found.set(name, path);
      for (const f of CONTEXT_FUNCTIONS)
        if (typeof (o as Record<string, unknown>)[f] === 'function' && !this.found.has(f)) this.found.set(f, path);
      const proto0 = Object.getPrototypeOf(o) as { constructor?: { name?: string } } | null;
      const cls = proto0 && Object.hasOwn(proto0, 'constructor') ? proto0.constructor?.name : undefined;
      if (cls && HOST_CLASSES.has(cls) && !Object.isFrozen(proto0) && !this.found.has(`${cls}.prototype`))
        this.found.set(`${cls}.prototype`, `${path} (not frozen)`);
      if (ArrayBuffer.isView(o) || o instanceof ArrayBuffer || o instanceof WebAssembly.Memory) continue;
      if (o instanceof Map)
        for (const [k, v] of o) {
          queue.push([k, `${path}<key>`], [v, `${path}<value>`]);
        }
      if (o instanceof Set) for (const v of o) queue.push([v, `${path}<item>`]);
      for (const key of Reflect.ownKeys(o)) {
        const d: PropertyDescriptor = Object.getOwnPropertyDescriptor(o, key)!;
        const p = `${path}.${String(key)}`;
        if ('value' in d) queue.push([d.value, p]);
        else {
          queue.push([d.get, `${p}<get>`], [d.set, `${p}<set>`]);
          try {
            queue.push([d.get?.call(o), p]);
          } catch {
            /* a getter that throws here gives nothing */
          }
        }
      }
      const proto = Object.getPrototypeOf(o) as unknown;
      if (!STOP.has(proto)) queue.push([proto, `${path}.__proto__`]);
      // Getters of a class live on its prototype: read them on the instance.
      if (proto && !STOP.has(proto) && typeof proto === 'object')
        for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(proto)))
          if (d.get)
            try {
              queue.push([d.get.call(o), `${path}.${key}`]);
            } catch {
              /* as above */
            }
    }
  }

  /** A function that searches what it is given and what it gives back, and its callbacks' arguments. */
  wrap<F>(f: F, name: string, depth = 0): F {
    if (typeof f !== 'function' || isClass(f)) return f;
    const self = this;
    const g = function (this: unknown, ...args: unknown[]) {
      for (const [i, a] of args.entries()) self.scan(a, `${name}(arg ${i})`);
      const passed = depth < 2 ? args.map((a, i) => self.instrument(a, `${name}(arg ${i})`, depth + 1)) : args;
      const r = (f as (...a: unknown[]) => unknown).apply(this, passed);
      self.scan(r, `${name}() result`);
      if (r instanceof Promise)
        void r.then(
          (v) => self.scan(v, `${name}() resolved`),
          () => {},
        );
      return r;
    };
    return g as F;
  }

  /** Callbacks inside an argument (cfg.input, fops.read, family.ops[i].doit…) report their arguments. */
  instrument(a: unknown, name: string, depth: number): unknown {
    if (typeof a === 'function') return this.wrap(a, `${name} callback`, depth);
    if (typeof a !== 'object' || a === null || ArrayBuffer.isView(a) || Object.isFrozen(a) || depth > 3) return a;
    for (const key of Object.keys(a)) {
      const d = Object.getOwnPropertyDescriptor(a, key)!;
      if (!('value' in d) || !d.writable) continue;
      const v = d.value as unknown;
      if (typeof v === 'function') (a as Record<string, unknown>)[key] = this.wrap(v, `${name}.${key}`, depth);
      else if (typeof v === 'object' && v !== null) this.instrument(v, `${name}.${key}`, depth + 1);
    }
    return a;
  }

  namespace(ns: Record<string, unknown>, name: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(ns)) {
      const v = ns[key];
      this.scan(v, `${name}.${key}`);
      out[key] = typeof v === 'function' ? this.wrap(v, `${name}.${key}`) : v;
    }
    return out;
  }
}

const lessons = [...loadCourse().values()].filter((l) => l.checks && Object.keys(l.solution).length > 0);

describe('nothing a program or its modules get leads to the record of the run', () => {
  it.each(lessons.map((l) => [l.id, l] as const))(
    '%s',
    async (_id, lesson) => {
      const s = new Search();
      const libs = {
        'netlink-lab/user': s.namespace(user as unknown as Record<string, unknown>, 'user'),
        'netlink-lab/kernel': s.namespace(kernelApi as unknown as Record<string, unknown>, 'kernel'),
      };
      const quiet = { log() {}, info() {}, warn() {}, error() {} };
      const builtin = lesson.data.builtin.map(
        (f) => loadModule(compile(lesson.solution), f, libs, quiet).default as KernelModule,
      );
      const kernel = (await bootKernel({
        ...(lesson.data.cmdline !== undefined ? { cmdline: lesson.data.cmdline } : {}),
        builtin,
      })) as unknown as SessionKernel;
      let checked = false;
      const exit = await runSession(kernel, {
        runId: 1,
        files: lesson.solution,
        entry: lesson.data.entry,
        libs,
        checks: 'export default () => []',
        checksElsewhere() {
          checked = true;
        },
        post() {},
      });
      expect(exit.status, exit.error?.message).toBe('ok');
      expect(checked).toBe(true);
      expect(Object.fromEntries(s.found)).toEqual({});
    },
    60_000,
  );
});
