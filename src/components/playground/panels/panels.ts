/**
 * The four panels under the output (Messages, Kernel trace, Kernel state, Timeline), loaded when the
 * page is idle (or by the first run). Only the visible panel is drawn, at most once per animation frame; the tabs show counts.
 */
import type { RunLog } from '../run-log.ts';
import { MessagesPanel } from './messages.ts';
import { StatePanel } from './state.ts';
import { TimelinePanel } from './timeline.ts';
import { TracePanel } from './trace.ts';
import './panels.css';

interface Panel {
  reset(): void;
  update(log: RunLog): void;
  count(log: RunLog): number;
}

/** The panels of one playground. */
export class Panels {
  private readonly panels: Record<string, Panel>;
  private frame = 0;
  private log?: RunLog;

  constructor(
    private readonly root: HTMLElement,
    source: (file: string, line?: number) => string,
  ) {
    const body = (id: string) => root.querySelector<HTMLElement>(`[data-panel-body="${id}"]`)!;
    this.panels = {
      messages: new MessagesPanel(body('messages')),
      trace: new TracePanel(body('trace'), source),
      state: new StatePanel(body('state')),
      timeline: new TimelinePanel(body('timeline')),
    };
  }

  /** Start over for a new run. */
  reset(log: RunLog): void {
    this.log = log;
    for (const p of Object.values(this.panels)) p.reset();
    for (const c of this.root.querySelectorAll<HTMLElement>('[data-count]')) c.textContent = '';
  }

  /** Redraw the visible panel soon (or now, when `now`). */
  update(log: RunLog, now = false): void {
    if (log !== this.log) this.reset(log);
    if (now) {
      this.draw();
      return;
    }
    if (this.frame) return;
    // Drawn just after the next frame is painted (their changes show in the frame after): the
    // program's output, drawn in the frame itself, is never held back by the panels.
    this.frame = requestAnimationFrame(() => {
      setTimeout(() => {
        this.frame = 0;
        this.draw();
      }, 0);
    });
  }

  private draw(): void {
    const log = this.log;
    if (!log) return;
    for (const [id, p] of Object.entries(this.panels)) {
      const body = this.root.querySelector<HTMLElement>(`[data-panel-body="${id}"]`)!;
      // Messages append incrementally and cheaply, so they keep up even while hidden.
      if (!body.hidden || id === 'messages') p.update(log);
      const n = p.count(log);
      const c = this.root.querySelector<HTMLElement>(`[data-count="${id}"]`);
      if (c) c.textContent = n ? String(n) : '';
    }
  }
}
