/**
 * What console.log prints in the playground: close to Node's output for the values netlink programs
 * print (strings, numbers, bigints, byte arrays, errors, plain objects), without a DOM.
 */

const MAX_BYTES = 64;
const MAX_DEPTH = 3;

/** One value as text. Strings at the top level are printed as they are; inside objects, quoted. */
export function inspect(v: unknown, depth = 0, seen = new Set<unknown>()): string {
  if (typeof v === 'string') return depth === 0 ? v : JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return `[Function ${v.name || '(anonymous)'}]`;
  if (typeof v === 'symbol') return v.toString();
  if (v === null || typeof v !== 'object') return String(v);
  if (seen.has(v)) return '[Circular]';
  if (v instanceof Error) return errorText(v);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const a = v as unknown as ArrayLike<number | bigint> & { constructor: { name: string } };
    const items = Array.from({ length: Math.min(a.length, MAX_BYTES) }, (_, i) =>
      v instanceof Uint8Array ? a[i]!.toString(16).padStart(2, '0') : String(a[i]),
    );
    const more = a.length > MAX_BYTES ? ` … ${a.length - MAX_BYTES} more` : '';
    return `${a.constructor.name}(${a.length}) [ ${items.join(' ')}${more} ]`;
  }
  if (depth >= MAX_DEPTH) return Array.isArray(v) ? '[Array]' : '[Object]';
  seen.add(v);
  try {
    if (Array.isArray(v)) return `[ ${v.map((x) => inspect(x, depth + 1, seen)).join(', ')} ]`;
    if (v instanceof Map)
      return `Map(${v.size}) { ${[...v].map(([k, x]) => `${inspect(k, depth + 1, seen)} => ${inspect(x, depth + 1, seen)}`).join(', ')} }`;
    if (v instanceof Set) return `Set(${v.size}) { ${[...v].map((x) => inspect(x, depth + 1, seen)).join(', ')} }`;
    const entries = Object.entries(v).map(
      ([k, x]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${inspect(x, depth + 1, seen)}`,
    );
    const name = Object.getPrototypeOf(v)?.constructor?.name;
    const prefix = name && name !== 'Object' ? `${name} ` : '';
    return entries.length ? `${prefix}{ ${entries.join(', ')} }` : `${prefix}{}`;
  } finally {
    seen.delete(v);
  }
}

/** An error as one line: 'ErrnoError: sendto: ECONNREFUSED (Connection refused)'. */
export function errorText(e: Error): string {
  return `${e.name && !e.message.startsWith(e.name) ? `${e.name}: ` : ''}${e.message}`;
}

/** console.log's arguments as one line; a leading format string's %s %d %i %o %O %j are filled in. */
export function formatArgs(args: readonly unknown[]): string {
  const rest = [...args];
  let head = '';
  if (typeof rest[0] === 'string' && /%[sdioOj%]/.test(rest[0])) {
    const fmt = rest.shift() as string;
    head = fmt.replace(/%([sdioOj%])/g, (m, c: string) => {
      if (c === '%') return '%';
      if (rest.length === 0) return m;
      const v = rest.shift();
      if (c === 's') return typeof v === 'string' ? v : inspect(v, 1);
      if (c === 'd' || c === 'i')
        return typeof v === 'bigint' ? `${v}n` : String(c === 'i' ? Math.trunc(Number(v)) : Number(v));
      return inspect(v, 1);
    });
    return [head, ...rest.map((v) => inspect(v))].join(' ');
  }
  return rest.map((v) => inspect(v)).join(' ');
}

/**
 * Lines V8 puts before a `new Function` body ("function anonymous(args\n) {\n"), which stack
 * frames count.
 */
export const FUNCTION_HEADER_LINES = 2;

/**
 * Where in the learner's files an error was thrown: the first stack frame in one of `files`
 * (the compiled code keeps the source's line numbers and names the file with //# sourceURL; the
 * function wrapper's header lines are taken off).
 */
export function errorLocation(
  e: unknown,
  files: readonly string[],
  headerLines = FUNCTION_HEADER_LINES,
): { file: string; line: number; column: number } | undefined {
  const stack = e instanceof Error ? (e.stack ?? '') : '';
  for (const m of stack.matchAll(/([\w./-]+\.ts):(\d+):(\d+)/g)) {
    const file = files.find((f) => m[1] === f || m[1]!.endsWith(`/${f}`));
    if (file) return { file, line: Math.max(1, Number(m[2]) - headerLines), column: Number(m[3]) };
  }
  return undefined;
}
