/**
 * Class mode: when the site is opened through a class server (`npx netlink-lab class`) and the
 * learner joined a class there (/class/join/), the lesson pages report to it: each run (its code,
 * output, and whether the page's checks passed — the server re-runs the code itself and believes
 * only its own verdict), hints and the solution opened, and time spent on the page. On a plain
 * static host there is no class session (it is kept per origin, set only by a join through a
 * server), so nothing of this runs and no request is made.
 *
 *   const c = classSession();            // undefined when not in a class
 *   if (c) attachClass(lessonId, hooks);
 */

const KEY = 'netlink-lab:class:v1';

export interface ClassSession {
  token: string;
  classId: string;
  className: string;
  name: string;
  hideSolutions?: boolean;
  assigned?: string[];
}

/** The class this browser joined on this origin, if any. */
export function classSession(): ClassSession | undefined {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? 'null') as ClassSession | null;
    return v && typeof v.token === 'string' && typeof v.classId === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
export function saveClassSession(s: ClassSession | undefined): void {
  try {
    if (s) localStorage.setItem(KEY, JSON.stringify(s));
    else localStorage.removeItem(KEY);
  } catch {
    /* storage off: no class mode */
  }
}

export type Report =
  | { type: 'run'; lessonId: string; files: Record<string, string>; output: string; passed: boolean }
  | { type: 'hint' | 'solution'; lessonId: string }
  | { type: 'time'; lessonId: string; ms: number };

let chain: Promise<unknown> = Promise.resolve();

/** Send one report; reports go out one after another, in the order they happened. */
export function report(r: Report, opts: { keepalive?: boolean } = {}): Promise<void> {
  const s = classSession();
  if (!s) return Promise.resolve();
  const send = async () => {
    try {
      const res = await fetch('/class-api/report', {
        method: 'POST',
        keepalive: opts.keepalive,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
        body: JSON.stringify(r),
      });
      if (res.status === 401) saveClassSession(undefined);
    } catch {
      /* the server is away: this report is lost, the lesson goes on */
    }
  };
  const p = chain.then(send);
  chain = p;
  return p;
}

/** What the playground lets class mode do to the page. */
export interface ClassHooks {
  hideSolution(): void;
  showBanner(text: string): void;
}

/** Start reporting for the lesson on this page: settings from the server, then time spent. */
export function attachClass(lessonId: string, hooks: ClassHooks): void {
  const s = classSession();
  if (!s) return;
  const apply = (c: ClassSession) => {
    if (c.hideSolutions) hooks.hideSolution();
    const assigned =
      c.assigned && c.assigned.length > 0
        ? c.assigned.includes(lessonId)
          ? ' This lesson is assigned.'
          : ' This lesson is not one of the assigned ones.'
        : '';
    hooks.showBanner(`Class “${c.className}” — you are ${c.name}. Your runs are reported to your teacher.${assigned}`);
  };
  apply(s);
  void fetch('/class-api/me', { headers: { authorization: `Bearer ${s.token}` } }).then(
    async (r) => {
      if (r.status === 401) {
        saveClassSession(undefined);
        hooks.showBanner('Your class session ended (the server no longer knows it). Join again with the join link.');
        return;
      }
      if (!r.ok) return;
      const me = (await r.json()) as { class: { name: string; hideSolutions: boolean; assigned: string[] } };
      const next = {
        ...s,
        className: me.class.name,
        hideSolutions: me.class.hideSolutions,
        assigned: me.class.assigned,
      };
      saveClassSession(next);
      apply(next);
    },
    () => {},
  );
  // Time on the page while it is visible, sent every 30 s and when the page is left.
  let since = document.visibilityState === 'visible' ? performance.now() : 0;
  let pending = 0;
  const take = () => {
    if (since) {
      const now = performance.now();
      pending += now - since;
      since = now;
    }
  };
  const flush = (keepalive = false) => {
    take();
    const ms = Math.min(10 * 60_000, Math.round(pending));
    if (ms < 1000) return;
    pending -= ms;
    void report({ type: 'time', lessonId, ms }, { keepalive });
  };
  setInterval(() => flush(), 30_000);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') since = performance.now();
    else {
      flush(true);
      since = 0;
    }
  });
  addEventListener('pagehide', () => flush(true));
}
