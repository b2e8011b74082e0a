/**
 * Hardening the realm a verification runs in (src/server/sandbox-child.ts), before the learner's
 * code is loaded. The program, the simulated kernel and the recorder of what the kernel did share
 * one JavaScript realm (the kernel's scheduler runs the program's processes as its own async
 * functions), so what the program could change in that realm, it could use to change the record:
 * replace Array.prototype.push and the recorder stores what it likes, put a getter on
 * Object.prototype and a failed call reads as a success. After lockdown():
 *
 * - every intrinsic (Object, Array, Function, Promise, Error, the typed arrays, JSON, the iterator
 *   prototypes, WebAssembly, TextDecoder, …) and everything reachable from them is frozen;
 * - every property of the global object is read-only and cannot be redefined;
 * - properties that code commonly sets on its own objects (`name`, `message`, `constructor`,
 *   `toString`, …) stay settable on an instance although its prototype is frozen (the "override
 *   mistake": assigning to an instance property whose prototype's property is read-only fails);
 * - harden(x) freezes x and everything reachable from it (the netlink-lab modules a program
 *   imports, so it cannot swap a function the kernel or the recorder also uses).
 *
 * This is the technique of Hardened JavaScript (SES's lockdown() and harden()), reduced to what
 * this process needs: the program never gets the process's own objects (sandbox-child.ts removes
 * them from the global scope), so only the shared language objects need guarding.
 */

/** Names commonly assigned on instances whose prototypes have them. */
const OVERRIDABLE = [
  'constructor',
  'name',
  'message',
  'stack',
  'cause',
  'code',
  'toString',
  'toLocaleString',
  'valueOf',
  'toJSON',
  'hasOwnProperty',
  'isPrototypeOf',
  'then',
  'catch',
  'finally',
];

/** Freeze `root` and everything reachable from it through properties, accessors and prototypes. */
export function harden<T>(root: T, opts: { readGetters?: boolean } = {}): T {
  const seen = new Set<unknown>();
  const stack: unknown[] = [root];
  while (stack.length) {
    const o = stack.pop();
    if ((typeof o !== 'object' && typeof o !== 'function') || o === null || seen.has(o)) continue;
    seen.add(o);
    const descs = Object.getOwnPropertyDescriptors(o);
    for (const key of Reflect.ownKeys(descs)) {
      const d = descs[key as keyof typeof descs]!;
      if ('value' in d) stack.push(d.value);
      else {
        stack.push(d.get, d.set);
        // A module namespace's exports are getters (esbuild's live bindings): freeze what they give.
        if (opts.readGetters && d.get) {
          try {
            stack.push(Reflect.get(o as object, key));
          } catch {
            /* a getter that throws gives nothing to freeze */
          }
        }
      }
    }
    stack.push(Object.getPrototypeOf(o));
    // Typed arrays with elements cannot be frozen (their bytes stay writable, which is their use).
    if (ArrayBuffer.isView(o)) {
      Object.preventExtensions(o);
      continue;
    }
    try {
      Object.freeze(o);
    } catch (e) {
      throw new TypeError(
        `${(e as Error).message}: ${Object.prototype.toString.call(o)} ${String((o as { name?: unknown }).name ?? '')} ${Reflect.ownKeys(
          o as object,
        )
          .slice(0, 8)
          .map(String)
          .join(',')}`,
      );
    }
  }
  return root;
}

/** Intrinsics no global name leads to. */
function hiddenIntrinsics(): unknown[] {
  const proto = Object.getPrototypeOf;
  async function* ag() {}
  function* gen() {}
  const out: unknown[] = [
    proto(Uint8Array), // %TypedArray%
    proto(async () => {}), // %AsyncFunction.prototype%
    proto(gen), // %GeneratorFunction.prototype%
    proto(ag), // %AsyncGeneratorFunction.prototype%
    proto(gen()), // %GeneratorPrototype%
    proto(ag()),
    proto(proto(ag())), // %AsyncIteratorPrototype%
    proto([][Symbol.iterator]()), // %ArrayIteratorPrototype%
    proto(proto([][Symbol.iterator]())), // %IteratorPrototype%
    proto(new Map()[Symbol.iterator]()),
    proto(new Set()[Symbol.iterator]()),
    proto(''[Symbol.iterator]()),
    proto(/x/[Symbol.matchAll]('')),
    Object.getOwnPropertyDescriptor(Function.prototype, 'caller')?.get, // %ThrowTypeError%
  ];
  return out.filter((x) => x !== undefined);
}

/**
 * Make the data property `key` of `proto` an accessor: reading gives the same value, assigning on
 * an object that inherits it defines the object's own property, assigning on `proto` itself fails.
 */
function overridable(proto: object, key: PropertyKey): void {
  const d = Object.getOwnPropertyDescriptor(proto, key);
  if (!d || !('value' in d) || !d.configurable) return;
  const value = d.value as unknown;
  Object.defineProperty(proto, key, {
    get: () => value,
    set: function (this: unknown, v: unknown) {
      if (this === proto || (typeof this !== 'object' && typeof this !== 'function') || this === null)
        throw new TypeError(`Cannot assign to read only property '${String(key)}' of a frozen prototype`);
      Object.defineProperty(this, key, { value: v, writable: true, enumerable: true, configurable: true });
    },
    enumerable: d.enumerable ?? false,
    configurable: false,
  });
}

let locked = false;

/**
 * Freeze the language's shared objects and the global object. `keep`: global names left as they
 * are (they were removed, or are objects of this process the program never gets).
 */
export function lockdown(keep: readonly string[] = []): void {
  if (locked) return;
  locked = true;
  const g = globalThis as Record<string, unknown>;
  const roots: unknown[] = hiddenIntrinsics();
  for (const key of Reflect.ownKeys(g)) {
    if (typeof key === 'string' && keep.includes(key)) continue;
    const d = Object.getOwnPropertyDescriptor(g, key)!;
    let value: unknown;
    if ('value' in d) value = d.value;
    else {
      try {
        value = d.get?.call(g); // Node's lazily made globals: make them now, then freeze them
      } catch {
        continue;
      }
    }
    roots.push(value);
    if (d.configurable)
      Object.defineProperty(g, key, { value, writable: false, enumerable: d.enumerable ?? false, configurable: false });
    else if ('value' in d && d.writable) Object.defineProperty(g, key, { writable: false });
  }
  // Every prototype among the roots (and theirs) gets the overridable properties first.
  const protos = new Set<object>();
  for (const r of roots) {
    if (typeof r === 'function' && r.prototype && typeof r.prototype === 'object') protos.add(r.prototype as object);
    else if (typeof r === 'object' && r !== null) protos.add(r);
  }
  for (const p of [...protos]) for (let q = Object.getPrototypeOf(p); q; q = Object.getPrototypeOf(q)) protos.add(q);
  for (const p of protos) for (const key of OVERRIDABLE) overridable(p, key);
  harden(roots);
}
