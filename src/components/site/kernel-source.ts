/**
 * The simulated kernel's source (sandboxes/sim/kernel/**.ts), read at build time so every file gets
 * a page under /kernel/ and lessons and traces can link to a function's line.
 */

const raw = import.meta.glob<string>(['/sandboxes/sim/kernel/**/*.ts', '!/sandboxes/sim/kernel/**/*.test.ts'], {
  query: '?raw',
  import: 'default',
  eager: true,
});

const PREFIX = '/sandboxes/sim/kernel/';

/** Kernel source files by path relative to the kernel's root ("net/netlink/af_netlink.ts"), sorted. */
export const kernelFiles: ReadonlyMap<string, string> = new Map(
  Object.entries(raw)
    .map(([p, text]) => [p.slice(PREFIX.length), text] as const)
    .sort(([a], [b]) => a.localeCompare(b)),
);

/** The 1-based line where `name` is defined in `file` (function, const, class, enum), or undefined. */
export function definitionLine(file: string, name: string): number | undefined {
  const text = kernelFiles.get(file);
  if (text === undefined) return undefined;
  const def = new RegExp(
    `^\\s*(?:export\\s+)?(?:declare\\s+)?(?:@inline\\s+)?(?:function|const|let|class|enum|namespace)\\s+${name.replace(/[$]/g, '\\$')}\\b`,
  );
  const i = text.split('\n').findIndex((l) => def.test(l));
  return i < 0 ? undefined : i + 1;
}
