/** Finding fields by byte: what a view needs to link a hex dump to the decoded tree. */
import type { Field } from './field.ts';

/** The fields containing byte `offset`, from the message down to the smallest one. */
export function fieldsAt(fields: readonly Field[], offset: number): Field[] {
  const path: Field[] = [];
  let level: readonly Field[] | undefined = fields;
  while (level) {
    const hit: Field | undefined = level.find((f) => offset >= f.start && offset < f.end);
    if (!hit) break;
    path.push(hit);
    level = hit.children;
  }
  return path;
}

/** Every field of the tree, depth first, with its depth (0 for messages). */
export function* walk(fields: readonly Field[], depth = 0): Generator<{ field: Field; depth: number }> {
  for (const f of fields) {
    yield { field: f, depth };
    if (f.children) yield* walk(f.children, depth + 1);
  }
}
