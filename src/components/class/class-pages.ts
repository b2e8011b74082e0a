/**
 * The class pages (/class/, /class/join/, /class/teacher/): they talk to the class server's API
 * (src/server/app.ts) on the origin that served them. On a plain static host /class-api/health is the
 * static file public/class-api/health (no 404 in the console), whose service is not the class
 * server's, and the pages say how to start a class server instead.
 */
import { href } from '../../course/url.ts';
import { saveClassSession } from '../playground/class-client.ts';

const $ = <T extends HTMLElement = HTMLElement>(sel: string, root: ParentNode = document) => root.querySelector<T>(sel);
const el = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & Record<string, unknown> = {},
  ...kids: (Node | string)[]
) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k.startsWith('data-') || k === 'aria-label' || k === 'scope') e.setAttribute(k, String(v));
    else (e as unknown as Record<string, unknown>)[k] = v;
  }
  e.append(...kids);
  return e;
};

async function api<T>(method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(path, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const data = (await r.json().catch(() => ({}))) as T & { error?: string };
  if (!r.ok) throw new Error(data.error ?? `the server answered ${r.status}`);
  return data;
}

/** Whether a class server serves this page; otherwise the page's [data-no-server] note shows. */
async function serverHere(): Promise<boolean> {
  try {
    const r = await fetch('/class-api/health', { cache: 'no-store' });
    const ok = r.ok && ((await r.json()) as { service?: string }).service === 'netlink-lab-class';
    if (ok) return true;
  } catch {
    /* no server */
  }
  $('[data-no-server]')!.hidden = false;
  $('[data-needs-server]')?.setAttribute('hidden', '');
  return false;
}

const abs = (path: string) => new URL(path, location.href).href;

// ---- /class/: create a class -----------------------------------------------------------------
export async function createPage(): Promise<void> {
  if (!(await serverHere())) return;
  const form = $<HTMLFormElement>('[data-create]')!;
  form.hidden = false;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const name = $<HTMLInputElement>('#class-name')!.value;
    const out = $('[data-created]')!;
    try {
      const c = await api<{
        id: string;
        teacherToken: string;
        joinCode: string;
        teacherPath: string;
        joinPath: string;
      }>('POST', '/class-api/classes', { body: { name } });
      const teacher = abs(href(c.teacherPath));
      const join = abs(href(c.joinPath));
      out.replaceChildren(
        el('p', {}, 'Your class is ready. Keep the teacher link to yourself: it is the only key to the class.'),
        el('p', {}, el('strong', {}, 'Teacher link: '), el('a', { href: teacher, 'data-teacher-link': '' }, teacher)),
        el(
          'p',
          {},
          el('strong', {}, 'Join link for students: '),
          el('a', { href: join, 'data-join-link': '' }, join),
          ` (or the code ${c.joinCode} on ${abs(href('/class/join/'))})`,
        ),
      );
      out.hidden = false;
    } catch (e) {
      out.replaceChildren(el('p', { className: 'bad' }, (e as Error).message));
      out.hidden = false;
    }
  });
}

// ---- /class/join/: a student joins -----------------------------------------------------------
export async function joinPage(): Promise<void> {
  if (!(await serverHere())) return;
  const form = $<HTMLFormElement>('[data-join]')!;
  form.hidden = false;
  const code = new URLSearchParams(location.search).get('code');
  if (code) $<HTMLInputElement>('#join-code')!.value = code;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const out = $('[data-joined]')!;
    try {
      const name = $<HTMLInputElement>('#student-name')!.value;
      const r = await api<{ studentToken: string; classId: string; className: string }>('POST', '/class-api/join', {
        body: { code: $<HTMLInputElement>('#join-code')!.value, name },
      });
      saveClassSession({ token: r.studentToken, classId: r.classId, className: r.className, name: name.trim() });
      out.replaceChildren(
        el(
          'p',
          {},
          `You joined “${r.className}” as ${name.trim()}. Your runs on the lesson pages are now reported to your teacher. `,
        ),
        el('a', { href: href('/lessons/') }, 'Go to the lessons'),
      );
      form.hidden = true;
    } catch (e) {
      out.replaceChildren(el('p', { className: 'bad' }, (e as Error).message));
    }
    out.hidden = false;
  });
}

// ---- /class/teacher/: the grid ---------------------------------------------------------------
interface Cell {
  state: string;
  runs: number;
  hints: number;
  solutionViewed: boolean;
  timeMs: number;
  submissions?: number;
  why?: string;
}
interface Grid {
  students: { id: string; name: string }[];
  cells: Record<string, Record<string, Cell>>;
}
interface ClassView {
  class: { id: string; name: string; hideSolutions: boolean; assigned: string[]; joinCode: string };
  lessons: { id: string; title: string; slug: string; checks: boolean }[];
}

const LABEL: Record<string, string> = {
  verified: '✓ verified',
  solution: 'solution used',
  pending: 'checking…',
  failed: '✗ not passing',
  started: 'working',
  none: '',
};

export async function teacherPage(): Promise<void> {
  if (!(await serverHere())) return;
  const id = new URLSearchParams(location.search).get('class') ?? '';
  const token = location.hash.slice(1);
  const status = $('[data-status]')!;
  let view: ClassView & Grid;
  try {
    view = await api<ClassView & Grid>('GET', `/class-api/classes/${encodeURIComponent(id)}`, { token });
  } catch (e) {
    status.textContent = (e as Error).message;
    return;
  }
  $('[data-teacher]')!.hidden = false;
  $('[data-class-name]')!.textContent = view.class.name;
  const joinUrl = abs(href(`/class/join/?code=${view.class.joinCode}`));
  $('[data-join]')!.replaceChildren(el('a', { href: joinUrl }, joinUrl), ` — code ${view.class.joinCode}`);
  const hide = $<HTMLInputElement>('#hide-solutions')!;
  hide.checked = view.class.hideSolutions;
  hide.addEventListener('change', async () => {
    try {
      await api('PATCH', `/class-api/classes/${id}`, { token, body: { hideSolutions: hide.checked } });
      status.textContent = hide.checked ? 'Solutions are hidden for the class.' : 'Solutions are shown.';
    } catch (e) {
      status.textContent = (e as Error).message;
    }
  });
  let assigned = new Set(view.class.assigned);
  const list = $('[data-assigned]')!;
  list.replaceChildren(
    ...view.lessons
      .filter((l) => l.checks)
      .map((l) => {
        const box = el('input', { type: 'checkbox', checked: assigned.has(l.id), value: l.id });
        box.addEventListener('change', async () => {
          const next = new Set(assigned);
          if (box.checked) next.add(l.id);
          else next.delete(l.id);
          try {
            const r = await api<ClassView>('PATCH', `/class-api/classes/${id}`, {
              token,
              body: { assigned: [...next] },
            });
            assigned = new Set(r.class.assigned);
            draw();
          } catch (e) {
            status.textContent = (e as Error).message;
            box.checked = !box.checked;
          }
        });
        return el('li', {}, el('label', {}, box, ` ${l.title}`));
      }),
  );
  $<HTMLButtonElement>('[data-export]')!.addEventListener('click', async () => {
    const r = await fetch(`/class-api/classes/${id}/export.csv`, { headers: { authorization: `Bearer ${token}` } });
    const url = URL.createObjectURL(await r.blob());
    const a = el('a', { href: url, download: `class-${id}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });

  let grid: Grid = view;
  const table = $('[data-grid]')!;
  const draw = () => {
    const lessons = view.lessons.filter((l) => l.checks && (assigned.size === 0 || assigned.has(l.id)));
    const head = el(
      'tr',
      {},
      el('th', { scope: 'col' }, 'Student'),
      ...lessons.map((l) => el('th', { scope: 'col', title: l.id }, l.title)),
    );
    const rows = grid.students.map((s) =>
      el(
        'tr',
        { 'data-student': s.name },
        el('th', { scope: 'row' }, s.name),
        ...lessons.map((l) => {
          const c = grid.cells[s.id]?.[l.id];
          const state = c?.state ?? 'none';
          const td = el('td', { className: `cell cell-${state}`, 'data-lesson': l.id, 'data-state': state });
          if (c) {
            const b = el(
              'button',
              {
                type: 'button',
                className: 'cell-btn',
                title: `${c.runs} runs, ${c.hints} hints, solution ${c.solutionViewed ? 'opened' : 'not opened'}, ${Math.round(c.timeMs / 60000)} min${c.why ? `; ${c.why}` : ''}`,
              },
              LABEL[state] ?? state,
              c.runs ? ` (${c.runs})` : '',
            );
            b.addEventListener('click', () => void details(s, l));
            td.append(b);
          }
          return td;
        }),
      ),
    );
    table.replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
    $('[data-empty]')!.hidden = grid.students.length > 0;
  };
  const details = async (s: { id: string; name: string }, l: { id: string; title: string }) => {
    const box = $('[data-details]')!;
    const d = await api<{
      latestCode: Record<string, string> | null;
      latestOutput: string | null;
      submissions: {
        verdict: string | null;
        detail: string | null;
        afterSolution: boolean;
        isSolution: boolean;
        at: string;
      }[];
    }>('GET', `/class-api/classes/${id}/students/${s.id}/${l.id}`, { token });
    box.replaceChildren(
      el('h2', {}, `${s.name} — ${l.title}`),
      el('h3', {}, 'Latest code'),
      ...Object.entries(d.latestCode ?? {}).map(([f, code]) =>
        el('details', { open: true }, el('summary', {}, f), el('pre', {}, code)),
      ),
      el('h3', {}, 'Its output'),
      el('pre', { 'data-output': '' }, d.latestOutput ?? '(no run yet)'),
      el('h3', {}, 'Runs the page said passed, as the server judged them'),
      el(
        'ul',
        {},
        ...d.submissions.map((x) =>
          el(
            'li',
            {},
            `${new Date(x.at).toLocaleTimeString()}: ${x.verdict ?? 'not checked yet'}${x.isSolution ? " — the lesson's solution" : x.afterSolution ? ' — after opening the solution' : ''}${x.detail ? ` (${x.detail})` : ''}`,
          ),
        ),
      ),
    );
    box.hidden = false;
    box.scrollIntoView({ block: 'nearest' });
  };
  draw();
  status.textContent = 'The grid updates every few seconds.';
  const poll = async () => {
    try {
      grid = await api<Grid>('GET', `/class-api/classes/${id}/grid`, { token });
      draw();
    } catch (e) {
      status.textContent = `Could not update: ${(e as Error).message}`;
    }
    setTimeout(() => void poll(), 2000);
  };
  setTimeout(() => void poll(), 2000);
}
