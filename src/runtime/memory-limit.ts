/**
 * A per-run memory limit (sim: netlink-lab's own, not a Linux rlimit). A program runs in a worker
 * that is thrown away after the run, so its realm may be changed freely: the meter wraps what
 * allocates in bulk — ArrayBuffer and the typed arrays (their bytes live outside the JS heap, where
 * no heap limit sees them), the Array constructor and Array.from, and the growth of big arrays,
 * Maps and Sets (push, unshift, splice, concat, set, add) — and counts the bytes still alive (a
 * FinalizationRegistry gives them back when the garbage collector frees them). When the count
 * passes the limit it calls `exceeded` once (the page then terminates the worker) and every later
 * big allocation throws, so a program that catches the error cannot go on allocating (small ones
 * go on: the run's own bookkeeping must still be able to report the error).
 *
 * A browser gives a worker no way to read its own heap (performance.memory is the page's only,
 * measureUserAgentSpecificMemory needs cross-origin isolation), and a worker that reaches V8's
 * own heap limit takes the whole tab down; hence the count. On the command line the worker also
 * has a hard V8 heap limit (src/cli/run.ts, Node's Worker resourceLimits) for what the meter
 * does not see, such as properties added to a plain object one by one.
 */

/** The limit of one run, in MiB. */
export const MEMORY_LIMIT_MIB = 256;

/** Thrown by a metered allocation once a run passed its memory limit. */
export class MemoryLimitError extends RangeError {
  constructor(readonly limitMiB: number) {
    super(memoryLimitMessage(limitMiB));
    this.name = 'MemoryLimitError';
  }
}

/** What a learner reads when a run is stopped for its memory. */
export function memoryLimitMessage(limitMiB = MEMORY_LIMIT_MIB): string {
  return (
    `The program was stopped: it used more than ${limitMiB} MiB of memory, the limit of one run. ` +
    'Something keeps growing without bound (an array pushed to in a loop, a huge ArrayBuffer); ' +
    'make it smaller, or let old values go.'
  );
}

/** Buffers and collections smaller than this are not followed one by one (they cost little). */
const FOLLOW_BYTES = 64 * 1024;
/** An array, Map or Set is metered once it holds this many items. */
const FOLLOW_ITEMS = 1024;
/** What one element of an array is taken to cost (a pointer, plus a small object or number). */
const SLOT = 16;
/** A followed collection is counted again after growing by this many items. */
const RECOUNT_ITEMS = 256;
/** How long after the count passed the limit it is looked at again (ms). */
const VERIFY_MS = 250;

interface Box {
  n: number;
  per?: number;
  len?: number;
}

/**
 * Meter this realm's allocations (see the top of the file). Returns how many bytes are counted now.
 * Call once, in a realm that is thrown away after the run.
 */
export function installMemoryMeter(opts: { limitMiB?: number; exceeded(usedBytes: number): void }): { used(): number } {
  const limitMiB = opts.limitMiB ?? MEMORY_LIMIT_MIB;
  const limit = limitMiB * 1024 * 1024;
  let live = 0;
  let tripped = false;
  const freed = new FinalizationRegistry<Box>((b) => {
    live -= b.n;
  });
  const boxes = new WeakMap<object, Box>();

  // Finalizers run only when the event loop turns, and only after a collection: a count over the
  // limit may still hold garbage. So it is checked again a moment later (the program goes on
  // meanwhile), and the run is stopped only if it is still over; a count over twice the limit
  // (a loop that never yields, a huge buffer) stops it at once.
  let pending = false;
  const trip = () => {
    tripped = true;
    opts.exceeded(live);
  };
  const check = () => {
    if (tripped) throw new MemoryLimitError(limitMiB);
    if (live > 2 * limit) {
      trip();
      throw new MemoryLimitError(limitMiB);
    }
    if (live > limit && !pending) {
      pending = true;
      setTimeout(() => {
        pending = false;
        if (!tripped && live > limit) trip();
      }, VERIFY_MS);
    }
  };
  /** Count `n` more bytes held by `obj` (given back when obj is collected). */
  const charge = (obj: object, n: number) => {
    if (tripped) throw new MemoryLimitError(limitMiB);
    if (n <= 0) return;
    let box = boxes.get(obj);
    if (!box) {
      box = { n: 0 };
      boxes.set(obj, box);
      freed.register(obj, box);
    }
    box.n += n;
    live += n;
    check();
  };
  const bytesOf = (v: unknown): number => {
    if (typeof v === 'string') return 2 * v.length;
    if (Array.isArray(v)) return SLOT * v.length;
    if (v instanceof Map || v instanceof Set) return 2 * SLOT * v.size;
    return typeof v === 'object' && v !== null ? 2 * SLOT : 0;
  };
  const items = (list: unknown[]) => {
    let n = 0;
    for (const v of list) n += SLOT + bytesOf(v);
    return n;
  };

  // Buffers: count the bytes a new buffer holds.
  const meterBuffer = (b: unknown) => {
    const n = (b as { byteLength?: number }).byteLength ?? 0;
    if (n >= FOLLOW_BYTES) charge(b as object, n);
    return b;
  };
  const g = globalThis as unknown as Record<string, unknown>;
  const wrapCtor = (name: string, ownsStorage: (args: unknown[]) => boolean) => {
    const C = g[name] as (new (...a: unknown[]) => object) | undefined;
    if (typeof C !== 'function') return;
    // A Proxy keeps identity-free checks working: `x instanceof Uint8Array` reads the prototype
    // through it, and statics (from, of, isView, BYTES_PER_ELEMENT) pass through.
    g[name] = new Proxy(C, {
      construct(t, args, nt) {
        // A length far past the limit is refused before anything is allocated.
        const per = (t as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
        if (typeof args[0] === 'number' && args[0] * per > 2 * limit) {
          live += args[0] * per;
          trip();
          throw new MemoryLimitError(limitMiB);
        }
        const o = Reflect.construct(t, args, nt === g[name] ? t : nt);
        return ownsStorage(args) ? (meterBuffer(o) as object) : o;
      },
      apply(t, self, args) {
        return Reflect.apply(t, self, args);
      },
    });
  };
  const fresh = (args: unknown[]) =>
    !(args[0] instanceof ArrayBuffer) &&
    !(typeof SharedArrayBuffer !== 'undefined' && args[0] instanceof SharedArrayBuffer);
  wrapCtor('ArrayBuffer', () => true);
  wrapCtor('SharedArrayBuffer', () => true);
  for (const t of [
    'Int8Array',
    'Uint8Array',
    'Uint8ClampedArray',
    'Int16Array',
    'Uint16Array',
    'Int32Array',
    'Uint32Array',
    'Float32Array',
    'Float64Array',
    'BigInt64Array',
    'BigUint64Array',
    'Float16Array',
  ])
    wrapCtor(t, fresh);
  const meterMethod = <T extends object>(
    proto: T,
    name: string,
    after: (self: object, result: unknown, args: unknown[]) => void,
  ) => {
    const f = (proto as Record<string, unknown>)[name];
    if (typeof f !== 'function') return;
    Object.defineProperty(proto, name, {
      configurable: true,
      writable: true,
      value: {
        [name](this: object, ...args: unknown[]) {
          const r = Reflect.apply(f, this, args);
          after(this, r, args);
          return r;
        },
      }[name],
    });
  };
  meterMethod(ArrayBuffer.prototype, 'slice', (_s, r) => meterBuffer(r));
  const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
  for (const m of ['slice', 'map', 'filter']) meterMethod(TypedArrayProto, m, (_s, r) => meterBuffer(r));
  const resize = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'resize');
  if (resize)
    meterMethod(ArrayBuffer.prototype, 'resize', (s, _r, a) => {
      const n = Number(a[0]);
      if (n >= FOLLOW_BYTES) charge(s, n);
    });

  // Arrays, Maps and Sets: once big, a collection is charged its length times what an item costs
  // (sampled when it is first followed, then averaged with what is added), so it is charged what
  // it holds now: shrinking (pop, shift, delete) gives bytes back.
  const perItem = (sample: Iterable<unknown>, count: number) => {
    let n = 0;
    let k = 0;
    for (const v of sample) {
      n += bytesOf(v);
      if (++k === 64) break;
    }
    return SLOT + (k ? n / k : 0) * (count ? 1 : 0);
  };
  const recount = (self: object, size: number, added: unknown[] | undefined, sample: () => Iterable<unknown>) => {
    let box = boxes.get(self) as (Box & { per: number }) | undefined;
    if (!box) {
      if (size < FOLLOW_ITEMS) return;
      box = { n: 0, per: perItem(sample(), size) };
      boxes.set(self, box);
      freed.register(self, box);
    } else if (added && added.length && size > 0) {
      box.per = Math.max(SLOT, (box.per * Math.max(0, size - added.length) + items(added)) / size);
    }
    const n = Math.round(box.per * size);
    box.len = size;
    live += n - box.n;
    box.n = n;
    check();
  };
  const arr = (self: object, added?: unknown[]) => {
    if (Array.isArray(self)) recount(self, self.length, added, () => self);
  };
  // push and unshift are hot (the kernel's host uses them too): small arrays cost one comparison.
  for (const name of ['push', 'unshift'] as const) {
    const f = Array.prototype[name] as (...a: unknown[]) => number;
    Object.defineProperty(Array.prototype, name, {
      configurable: true,
      writable: true,
      value: {
        [name](this: unknown[]) {
          // biome-ignore lint/complexity/noArguments: a rest parameter would allocate an array on every push
          const n = f.apply(this, arguments as unknown as unknown[]);
          if (n < FOLLOW_ITEMS) return n;
          // A followed array is counted again every RECOUNT_ITEMS items (the cost of an item is a sample).
          const b = boxes.get(this);
          // biome-ignore lint/complexity/noArguments: as above; copied only when the array is counted again
          if (!b || n - b.len! >= RECOUNT_ITEMS || n < b.len!) arr(this, Array.prototype.slice.call(arguments));
          return n;
        },
      }[name],
    });
  }
  meterMethod(Array.prototype, 'splice', (s, _r, a) => arr(s, a.slice(2)));
  for (const m of ['pop', 'shift'])
    meterMethod(Array.prototype, m, (s) => {
      if (boxes.has(s)) arr(s);
    });
  const whole = (_s: unknown, r: unknown) => {
    if (Array.isArray(r) && !boxes.has(r)) arr(r);
  };
  for (const m of [
    'concat',
    'slice',
    'map',
    'filter',
    'flat',
    'flatMap',
    'toSorted',
    'toSpliced',
    'toReversed',
    'with',
  ])
    meterMethod(Array.prototype, m, whole);
  const ArrayCtor = Array;
  const arrayFrom = Array.from;
  const arrayOf = Array.of;
  g.Array = new Proxy(ArrayCtor, {
    construct(t, args, nt) {
      const r = Reflect.construct(t, args, nt === g.Array ? t : nt) as unknown[];
      whole(0, r);
      return r;
    },
    apply(t, self, args) {
      const r = Reflect.apply(t, self, args) as unknown[];
      whole(0, r);
      return r;
    },
  });
  ArrayCtor.from = function from(this: unknown, ...a: unknown[]) {
    const r = Reflect.apply(arrayFrom, this, a) as unknown;
    whole(0, r);
    return r;
  } as typeof Array.from;
  ArrayCtor.of = function of(this: unknown, ...a: unknown[]) {
    const r = Reflect.apply(arrayOf, this, a) as unknown;
    whole(0, r);
    return r;
  } as typeof Array.of;
  const coll = (self: object, added?: unknown[]) => {
    const c = self as Map<unknown, unknown> | Set<unknown>;
    recount(self, c.size, added, () => c.values());
  };
  const mapSet = Map.prototype.set;
  const setAdd = Set.prototype.add;
  Object.defineProperty(Map.prototype, 'set', {
    configurable: true,
    writable: true,
    value: function set<K, V>(this: Map<K, V>, k: K, v: V) {
      mapSet.call(this, k, v);
      if (this.size >= FOLLOW_ITEMS) coll(this, [v]);
      return this;
    },
  });
  Object.defineProperty(Set.prototype, 'add', {
    configurable: true,
    writable: true,
    value: function add<T>(this: Set<T>, v: T) {
      setAdd.call(this, v);
      if (this.size >= FOLLOW_ITEMS) coll(this, [v]);
      return this;
    },
  });
  for (const p of [Map.prototype, Set.prototype]) {
    meterMethod(p, 'delete', (s) => {
      if (boxes.has(s)) coll(s);
    });
    meterMethod(p, 'clear', (s) => {
      if (boxes.has(s)) coll(s);
    });
  }
  // Strings cannot be followed (no finalizer for them); a big repeat is checked against the limit.
  meterMethod(String.prototype, 'repeat', (_s, r) => {
    if (typeof r === 'string' && 2 * r.length > limit) {
      live += 2 * r.length;
      trip();
      throw new MemoryLimitError(limitMiB);
    }
  });

  return { used: () => live };
}
