/**
 * Which lessons the learner completed, kept in this browser (localStorage), so the site's
 * navigation can mark them. A lesson is complete when every check of its exercise passed.
 *
 *   import { isComplete, markComplete, onProgressChange } from '…/course/progress.ts';
 *   onProgressChange(() => redraw());          // also fires when another tab completes a lesson
 */

const KEY = 'netlink-lab:progress:v1';
/** The event dispatched on window when the set of completed lessons changes (detail: lessonId). */
export const PROGRESS_EVENT = 'netlink-lab:progress';

function store(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

/** The ids of the completed lessons. */
export function completed(): string[] {
  try {
    const v: unknown = JSON.parse(store()?.getItem(KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Whether the lesson was completed in this browser. */
export const isComplete = (lessonId: string): boolean => completed().includes(lessonId);

function save(ids: string[], changed: string): void {
  try {
    store()?.setItem(KEY, JSON.stringify(ids));
  } catch {
    /* storage full or disabled: progress is not kept */
  }
  globalThis.dispatchEvent?.(new CustomEvent(PROGRESS_EVENT, { detail: changed }));
}

/** Mark a lesson complete (idempotent: no event when it already was). */
export function markComplete(lessonId: string): void {
  const ids = completed();
  if (ids.includes(lessonId)) return;
  save([...ids, lessonId], lessonId);
}

/** Call `listener` whenever progress changes, in this tab or another. Returns the unsubscribe. */
export function onProgressChange(listener: (lessonId?: string) => void): () => void {
  const local = (e: Event) => listener((e as CustomEvent<string>).detail);
  const other = (e: StorageEvent) => {
    if (e.key === KEY) listener();
  };
  globalThis.addEventListener(PROGRESS_EVENT, local);
  globalThis.addEventListener('storage', other);
  return () => {
    globalThis.removeEventListener(PROGRESS_EVENT, local);
    globalThis.removeEventListener('storage', other);
  };
}
