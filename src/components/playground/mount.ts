/** Start every playground on the page (the only playground code the page loads up front). */
import { Playground } from './playground.ts';

/** Mount each [data-playground] element under `root` once. */
export function mountPlaygrounds(root: ParentNode = document): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-playground]:not([data-mounted])')) {
    el.dataset.mounted = 'true';
    try {
      new Playground(el).start();
    } catch (e) {
      el.dataset.ready = 'false';
      const status = el.querySelector('[data-status]');
      if (status) status.textContent = `The playground failed to start: ${e instanceof Error ? e.message : String(e)}`;
      throw e;
    }
  }
}
