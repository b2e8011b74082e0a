/**
 * Show the learner's completed lessons in the navigation: every `[data-completed-mark="<lesson id>"]`
 * element is shown when that lesson is complete in this browser, and hidden otherwise — on load,
 * and again whenever progress changes (a lesson passed on this page, or in another tab).
 */
import { completed, onProgressChange } from '../../course/progress.ts';

/** Show or hide each completion mark under `root` from the progress kept in localStorage. */
export function updateCompletedMarks(root: ParentNode = document): void {
  const done = new Set(completed());
  for (const el of root.querySelectorAll<HTMLElement>('[data-completed-mark]')) {
    el.hidden = !done.has(el.dataset.completedMark ?? '');
  }
}

/** Keep the page's completion marks in step with progress; returns the unsubscribe. */
export function watchCompletedMarks(): () => void {
  updateCompletedMarks();
  return onProgressChange(() => updateCompletedMarks());
}
