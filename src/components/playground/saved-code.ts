/** The learner's edits, per lesson, kept in this browser (localStorage) across reloads. */

/** The localStorage key of a lesson's saved files. */
export const codeKey = (lessonId: string) => `netlink-lab:code:v1:${lessonId}`;
const key = codeKey;

function store(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

/** The files saved for a lesson, or undefined when the learner has not edited it. */
export function loadCode(lessonId: string): Record<string, string> | undefined {
  try {
    const v = JSON.parse(store()?.getItem(key(lessonId)) ?? 'null') as { files?: unknown } | null;
    const files = v?.files;
    if (!files || typeof files !== 'object' || Object.values(files).some((x) => typeof x !== 'string'))
      return undefined;
    return files as Record<string, string>;
  } catch {
    return undefined;
  }
}

/** Save the lesson's files; false when storage is full or disabled (nothing was kept). */
export function saveCode(lessonId: string, files: Record<string, string>): boolean {
  const s = store();
  if (!s) return false;
  try {
    s.setItem(key(lessonId), JSON.stringify({ files, saved: Date.now() }));
    return true;
  } catch {
    return false;
  }
}

/** Forget the lesson's edits (Reset). */
export function clearCode(lessonId: string): void {
  try {
    store()?.removeItem(key(lessonId));
  } catch {
    /* nothing to clear */
  }
}
