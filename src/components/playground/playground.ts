/**
 * One playground on a page: reads its config from the server-rendered markup, restores the
 * learner's code (a share link, else what they saved, else the lesson's), and wires the buttons.
 * The editor, the program worker, the language service, the panels and the diff view are loaded
 * lazily: when the browser is idle, the playground comes into view, or the learner reaches for it.
 */
import { Runner } from '../../runtime/client.ts';
import type { Batch, CheckResult, Exit, OutputCut, OutputLine } from '../../runtime/messages.ts';
import { href, lessonHref } from '../../course/url.ts';
import { isComplete, markComplete } from '../../course/progress.ts';
import { attachClass, classSession, report } from './class-client.ts';
import { clearCode, loadCode, saveCode } from './saved-code.ts';
import { decodeShare, encodeShare, shareParam, shareUrl } from './share.ts';
import { RunLog } from './run-log.ts';
import type { CodeEditor } from './editor.ts';
import type { Panels } from './panels/panels.ts';

/** What Playground.astro serialises for the client. */
export interface PlaygroundConfig {
  lessonId: string;
  files: Record<string, string>;
  solution: Record<string, string>;
  entry: string;
  checks: string | null;
  modules: string[];
  /** How the simulated kernel boots for this lesson (front matter cmdline / builtin). */
  boot?: { cmdline?: string; builtin?: string[] };
  /** The lab: files can be added, renamed and deleted (src/components/lab/files.ts, loaded only then). */
  editableFiles?: boolean;
}

/** Where the built site serves the simulated kernel (copied there by the site's build). */
export const KERNEL_WASM = href('/kernel/kernel.wasm');

/**
 * Output lines kept on screen: more than the worker ever sends as printed (src/runtime/session.ts
 * sends the first 2000 lines, then only the latest 1000 in a block of their own), so the first
 * lines are never silently dropped.
 */
const MAX_OUTPUT_NODES = 4000;

/** The playground behind one [data-playground] element. */
export class Playground {
  private readonly cfg: PlaygroundConfig;
  private files: Record<string, string>;
  private active: string;
  private editor?: CodeEditor;
  private runner?: Runner;
  private loading?: Promise<void>;
  private log = new RunLog();
  private panels?: Promise<Panels>;
  private running = false;
  /** A run started on this page (the panels show runs only). */
  private ran = false;
  private firstOutput = false;
  private runStarted = 0;
  private undoFiles?: Record<string, string>;
  /** The learner's own files while a shared link's code is on view (nothing is saved meanwhile). */
  private mine?: Record<string, string>;
  private saveTimer?: ReturnType<typeof setTimeout>;
  private prepareTimer?: ReturnType<typeof setTimeout>;
  /** Saving is held (the lab: another tab saved other files, and the learner has not chosen yet). */
  private saveHeld = false;
  private statusTimer?: ReturnType<typeof setTimeout>;
  private outOps: (() => void)[] = [];
  private outFrame = 0;
  private latestCut?: OutputCut;

  constructor(private readonly root: HTMLElement) {
    const json = root.querySelector<HTMLScriptElement>('script[data-playground-config]')?.textContent;
    if (!json) throw new Error('Playground: the markup has no config (script[data-playground-config]).');
    this.cfg = JSON.parse(json) as PlaygroundConfig;
    this.files = loadCode(this.cfg.lessonId) ?? { ...this.cfg.files };
    this.active = this.cfg.entry;
  }

  private $<T extends HTMLElement = HTMLElement>(sel: string): T | null {
    return this.root.querySelector<T>(sel);
  }
  private button(action: string): HTMLButtonElement | null {
    return this.$<HTMLButtonElement>(`[data-action="${action}"]`);
  }

  /** Wire the page and schedule the heavy parts. */
  start(): void {
    this.renderFileTabs();
    this.showPlaceholder();
    this.button('run')?.addEventListener('click', () => void this.run());
    this.button('stop')?.addEventListener('click', () => this.stop());
    this.button('reset')?.addEventListener('click', () => this.reset());
    this.button('solution')?.addEventListener('click', () => void this.toggleSolution());
    this.button('share')?.addEventListener('click', () => void this.share());
    this.wirePanelTabs();
    if (isComplete(this.cfg.lessonId)) this.$('[data-complete]')?.removeAttribute('hidden');
    // A class server that withholds the solution from this learner serves the page without it.
    if (Object.keys(this.cfg.solution).length === 0) {
      this.button('solution')?.setAttribute('hidden', '');
      this.$('[data-solution]')?.setAttribute('hidden', '');
    }
    if (this.cfg.editableFiles) void import('../lab/files.ts').then((m) => m.attachFileTools(this, this.root));
    if (classSession()) {
      attachClass(this.cfg.lessonId, {
        hideSolution: () => {
          this.button('solution')?.setAttribute('hidden', '');
          this.$('[data-solution]')?.setAttribute('hidden', '');
        },
        showBanner: (text) => {
          const b = this.$('[data-class-banner]');
          if (b) {
            b.textContent = text;
            b.hidden = false;
          }
        },
      });
    }

    // A share link: read once (the link's code must not come back on a reload over the learner's
    // later edits), also when it is pasted into the address bar of this very page (a hash change).
    const shared = () => {
      const value = shareParam(location.hash);
      if (!value) return;
      history.replaceState(history.state, '', location.pathname + location.search);
      void this.openShared(value);
    };
    shared();
    addEventListener('hashchange', shared);
    // Ctrl/Cmd+Enter runs from anywhere on the page (the editor handles it itself when focused).
    if (document.querySelector('[data-playground]') === this.root) {
      document.addEventListener('keydown', (e) => {
        if (!(e.ctrlKey || e.metaKey) || e.key !== 'Enter' || e.defaultPrevented || e.repeat || e.altKey || e.shiftKey)
          return;
        if ((e.target as HTMLElement | null)?.closest?.('[data-terminal], .pagefind-ui')) return;
        if (this.button('run')!.disabled) return;
        e.preventDefault();
        void this.run();
      });
    }
    this.root.addEventListener('netlink-lab:focus-editor', () => {
      void this.loadEditor().then(() => this.editor?.focus());
    });

    // The program worker (which compiles the kernel) starts at once: Run works as soon as it is
    // ready, even before the editor is loaded (it runs the code shown). The editor loads
    // when the playground comes near the viewport or the learner reaches for it.
    // Starting it costs the page little: the worker fetches and compiles on its own thread.
    this.startRunner();
    // The panels' code (the netlink decoder's tables are large) is loaded and evaluated while the
    // learner reads, not between Run and the program's first output.
    idle(() => void this.loadPanels(), 1000);
    const go = () => void this.loadEditor();
    const editorHost = this.$('[data-editor]');
    editorHost?.addEventListener('pointerdown', go, { once: true });
    editorHost?.addEventListener('focusin', go, { once: true });
    this.root.addEventListener('keydown', go, { once: true });
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          io.disconnect();
          go();
        }
      },
      { rootMargin: '200px' },
    );
    io.observe(this.root);
    addEventListener('pagehide', () => this.runner?.dispose());
  }

  /** Start the program worker (once); Run is enabled when it is ready. */
  private startRunner(): Runner {
    if (this.runner) return this.runner;
    const runner = new Runner({ wasmUrl: KERNEL_WASM });
    this.runner = runner;
    runner.prepare(this.editor?.files() ?? this.files);
    runner.ready.then(
      () => {
        this.button('run')!.disabled = false;
        this.root.dataset.ready = 'true';
        if (!this.running) this.status('Ready. Press Run (Ctrl+Enter) to run the program on the simulated kernel.');
      },
      (e: unknown) => this.status(e instanceof Error ? e.message : String(e), 'bad'),
    );
    return runner;
  }

  /** The panels under the output (loaded once: ahead of Run when the browser is idle, or by Run). */
  private loadPanels(): Promise<Panels> {
    this.panels ??= import('./panels/panels.ts').then(
      (m) => new m.Panels(this.root, (file, line) => href(`/kernel/${file}/`) + (line ? `#L${line}` : '')),
    );
    return this.panels;
  }

  /** Load the editor (once), then the language service when the browser is idle. */
  loadEditor(): Promise<void> {
    this.loading ??= (async () => {
      this.startRunner();
      const { createEditor } = await import('./editor.ts');
      const host = this.$('[data-editor]')!;
      const hadFocus = host.contains(document.activeElement);
      host.replaceChildren();
      this.editor = createEditor({
        parent: host,
        files: this.files,
        active: this.active,
        onChange: (files) => this.changed(files),
        onRun: () => void this.run(),
      });
      if (hadFocus) this.editor.focus();
      this.root.dataset.editor = 'ready';
      this.startLanguageService();
    })();
    return this.loading;
  }

  private startLanguageService(): void {
    idle(() => {
      void (async () => {
        try {
          const { startLanguageService } = await import('./language.ts');
          const ls = await startLanguageService();
          await ls.load(this.editor!.files());
          this.editor!.setLanguage((file) => ls.extension(file));
          this.root.dataset.types = 'ready';
        } catch (e) {
          // The editor works without it; say why type checking is missing.
          this.root.dataset.types = 'failed';
          console.warn('netlink-lab: the TypeScript language service did not start:', e);
        }
      })();
    }, 3000);
  }

  // ---- files ----------------------------------------------------------------------------------

  private renderFileTabs(): void {
    const list = this.$('.pg-files')!;
    const names = [
      this.cfg.entry,
      ...Object.keys(this.files)
        .filter((f) => f !== this.cfg.entry)
        .sort(),
    ];
    list.replaceChildren(
      ...names.map((f) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'pg-file';
        b.setAttribute('role', 'tab');
        b.dataset.file = f;
        b.textContent = f;
        const selected = f === this.active;
        b.setAttribute('aria-selected', String(selected));
        b.tabIndex = selected ? 0 : -1;
        b.addEventListener('click', () => this.showFile(f));
        b.addEventListener('keydown', (e) => this.arrowKeys(e, list, '.pg-file'));
        return b;
      }),
    );
  }

  private showFile(file: string): void {
    this.active = file;
    for (const b of this.root.querySelectorAll<HTMLButtonElement>('.pg-file')) {
      const on = b.dataset.file === file;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
    }
    if (this.editor) this.editor.show(file);
    else this.showPlaceholder();
  }

  private showPlaceholder(): void {
    const code = this.$('.pg-placeholder code');
    if (code) code.textContent = this.files[this.active] ?? '';
  }

  // ---- for the lab's file tools (src/components/lab/files.ts) -----------------------------------

  /** The files as they are now (the editor's, once it is loaded). */
  currentFiles(): Record<string, string> {
    return { ...(this.editor?.files() ?? this.files) };
  }

  /** The file shown. */
  activeFile(): string {
    return this.active;
  }

  /** The file that runs. */
  entryFile(): string {
    return this.cfg.entry;
  }

  /** Replace the files (and show `active`); saved like an edit. */
  replaceFiles(files: Record<string, string>, active?: string): void {
    if (active && active in files) this.active = active;
    this.setFiles(files);
    this.changed(this.currentFiles());
  }

  /** Hold saving (true) until the learner chose what to keep, or save again (false, saving the current files). */
  holdSaving(hold: boolean): void {
    this.saveHeld = hold;
    if (!hold) this.changed(this.currentFiles());
  }

  /** A message above the editor with buttons, until one is pressed (or `say()` with nothing hides it). */
  ask(text: string, choices: { label: string; run(): void }[]): void {
    this.notice(
      text,
      undefined,
      choices.map((c) =>
        this.noticeButton(c.label, () => {
          this.notice();
          c.run();
        }),
      ),
    );
  }

  /** The status line. */
  say(text: string, tone?: 'good' | 'bad'): void {
    this.status(text, tone);
  }

  private changed(files: Record<string, string>): void {
    this.files = files;
    // The next run's worker compiles what the editor holds once the typing pauses.
    clearTimeout(this.prepareTimer);
    this.prepareTimer = setTimeout(() => this.runner?.prepare(this.editor?.files() ?? this.files), 300);
    clearTimeout(this.saveTimer);
    // data-save says what became of the latest edit: held (a shared link's code is on view, or the
    // lab holds saving), pending (saved once the typing pauses), saved, or unsaved (no storage).
    if (this.mine || this.saveHeld) {
      this.root.dataset.save = 'held';
      return;
    }
    this.root.dataset.save = 'pending';
    this.saveTimer = setTimeout(() => {
      let kept = true;
      if (same(files, this.cfg.files)) clearCode(this.cfg.lessonId);
      else kept = saveCode(this.cfg.lessonId, files);
      this.root.dataset.save = kept ? 'saved' : 'unsaved';
    }, 250);
  }

  private setFiles(files: Record<string, string>): void {
    this.files = { ...files };
    if (!(this.active in this.files)) this.active = this.cfg.entry;
    this.renderFileTabs();
    if (this.editor) this.editor.setFiles(this.files, this.active);
    else {
      this.showPlaceholder();
      this.changed(this.files);
    }
  }

  private reset(): void {
    const before = this.editor?.files() ?? this.files;
    if (same(before, this.cfg.files)) {
      this.status("This is already the lesson's starting code.");
      return;
    }
    this.undoFiles = before;
    this.setFiles(this.cfg.files);
    clearCode(this.cfg.lessonId);
    this.status("Back to the lesson's starting code.", undefined, {
      label: 'Undo',
      run: () => {
        if (this.undoFiles) this.setFiles(this.undoFiles);
        this.status('Your code is back.');
      },
    });
  }

  /**
   * A shared link's code opens as a view of its own: the learner's saved code is untouched (and
   * nothing is saved) until they keep the shared code or go back to theirs.
   */
  private async openShared(value: string): Promise<void> {
    let shared;
    try {
      shared = await decodeShare(value);
    } catch (e) {
      this.notice(e instanceof Error ? e.message : String(e), 'bad');
      return;
    }
    if (shared.lessonId !== this.cfg.lessonId) {
      const slug = shared.lessonId.replace(/(^|\/)\d+-/g, '$1');
      const a = document.createElement('a');
      a.href = shared.lessonId === 'lab' ? `${href('/lab/')}#code=${value}` : `${lessonHref(slug)}#code=${value}`;
      a.textContent = 'Open it in that lesson';
      this.notice(`This link holds code for another lesson (${slug}), so it was not opened here. `, 'bad', [a]);
      return;
    }
    this.mine ??= { ...(this.editor?.files() ?? this.files) };
    this.setFiles(shared.files);
    const keep = this.noticeButton('Keep this code', () => {
      const before = this.mine!;
      this.mine = undefined;
      this.notice();
      this.changed(this.editor?.files() ?? this.files);
      this.undoFiles = before;
      this.status('The shared code is now your code for this lesson.', 'good', {
        label: 'Undo',
        run: () => {
          if (this.undoFiles) this.setFiles(this.undoFiles);
          this.status('Your code is back.');
        },
      });
    });
    const back = this.noticeButton('Back to my code', () => {
      const mine = this.mine!;
      this.mine = undefined;
      this.notice();
      this.setFiles(mine);
      this.status('Your code is back; the shared code was not kept.');
    });
    this.notice(
      'You are looking at code from a shared link. Your own code for this lesson is kept as it was; edits here are not saved unless you keep this code.',
      undefined,
      [keep, back],
    );
  }

  private noticeButton(label: string, run: () => void): HTMLButtonElement {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'pg-btn';
    b.textContent = label;
    b.addEventListener('click', run);
    return b;
  }

  /** A message above the editor that stays until it is dealt with (none: hide it). */
  private notice(text?: string, tone?: 'bad', extra: HTMLElement[] = []): void {
    const box = this.$('[data-notice]');
    if (!box) return;
    if (!text) {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    const p = document.createElement('p');
    p.textContent = text;
    p.append(...extra.filter((e) => e.tagName === 'A'));
    const actions = extra.filter((e) => e.tagName !== 'A');
    box.className = `pg-notice${tone ? ` pg-notice-${tone}` : ''}`;
    box.replaceChildren(
      p,
      ...(actions.length ? [Object.assign(document.createElement('div'), { className: 'pg-notice-actions' })] : []),
    );
    box.querySelector('.pg-notice-actions')?.append(...actions);
    box.hidden = false;
  }

  private async share(): Promise<void> {
    const files = this.editor?.files() ?? this.files;
    const url = shareUrl(location.href, await encodeShare({ lessonId: this.cfg.lessonId, files }));
    const box = this.$('[data-share-box]')!;
    const input = this.$<HTMLInputElement>('[data-share-url]')!;
    input.value = url;
    box.hidden = false;
    input.select();
    try {
      await navigator.clipboard.writeText(url);
      this.status('Link copied: it opens this page with your code.', 'good');
    } catch {
      this.status('Copy the link beside this message: it opens this page with your code.');
    }
  }

  private async toggleSolution(): Promise<void> {
    const btn = this.button('solution')!;
    const box = this.$('[data-solution]')!;
    if (btn.getAttribute('aria-expanded') === 'true') {
      btn.setAttribute('aria-expanded', 'false');
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    btn.setAttribute('aria-expanded', 'true');
    box.hidden = false;
    box.textContent = 'Loading the comparison…';
    void report({ type: 'solution', lessonId: this.cfg.lessonId });
    const { showSolution } = await import('./solution-view.ts');
    showSolution(box, {
      mine: this.editor?.files() ?? this.files,
      solution: this.cfg.solution,
      entry: this.cfg.entry,
      onUse: (files) => {
        this.undoFiles = this.editor?.files() ?? this.files;
        this.setFiles({ ...this.files, ...files });
        void this.toggleSolution();
        this.status('The editor now holds the solution.', undefined, {
          label: 'Undo',
          run: () => {
            if (this.undoFiles) this.setFiles(this.undoFiles);
            this.status('Your code is back.');
          },
        });
      },
    });
  }

  // ---- running --------------------------------------------------------------------------------

  /** Run the editor's program (Run button, Ctrl/Cmd+Enter). */
  async run(): Promise<void> {
    const runner = this.startRunner();
    const files = this.editor?.files() ?? this.files;
    // "Real VM": the program's syscalls go to the page's VM through the relay (src/components/terminal).
    // "In browser": the same, on the in-browser kernel (v86) this page starts when first picked.
    const choice = this.$<HTMLInputElement>('[data-kernel-switch] input:checked')?.value;
    const onVm = choice === 'vm' || choice === 'browser';
    this.$('[data-compare]')?.setAttribute('hidden', '');
    let vmRun: import('../terminal/kernel-switch.ts').VmRun | undefined;
    if (onVm) {
      runner.stop();
      const ks = await import('../terminal/kernel-switch.ts');
      try {
        vmRun =
          choice === 'browser'
            ? await ks.prepareBrowserRun(href('/'), (t) => this.status(t))
            : await ks.prepareVmRun((t) => this.status(t), this.cfg.boot?.cmdline ?? '');
      } catch (e) {
        this.status((e as Error).message, 'bad');
        return;
      }
    }
    this.log = new RunLog();
    this.ran = true;
    this.running = true;
    this.firstOutput = false;
    this.runStarted = performance.now();
    performance.mark('netlink-lab:run');
    delete this.root.dataset.firstOutputMs;
    this.root.dataset.running = 'true';
    // The previous run's checks, if still being judged, will not be shown.
    this.$('[data-check-list]')?.removeAttribute('aria-busy');
    this.clearOutput();
    // Type errors do not stop a run (the types are stripped), but they often explain what goes wrong.
    const typeErrors = this.editor?.typeErrors() ?? [];
    if (typeErrors.length > 0) {
      this.appendOutput(
        [
          {
            stream: 'warn',
            text: `${typeErrors.length} type error${typeErrors.length === 1 ? '' : 's'} (the program runs anyway): ${typeErrors
              .slice(0, 3)
              .map((t) => `${t.file}:${t.line}: ${t.message}`)
              .join('; ')}${typeErrors.length > 3 ? '; …' : ''}`,
          },
        ],
        'pg-typeerr',
      );
    }
    this.button('stop')!.disabled = false;
    this.$('.pg-share')?.setAttribute('hidden', '');
    this.status('Running…');
    void this.loadPanels().then((p) => p.reset(this.log));
    const log = this.log;
    await runner.run(
      {
        files,
        entry: this.cfg.entry,
        ...(this.cfg.checks ? { checks: this.cfg.checks } : {}),
        ...(vmRun ? { vm: vmRun.vm } : {}),
        ...(this.cfg.boot && !vmRun ? { boot: this.cfg.boot } : {}),
      },
      {
        batch: (b) => {
          if (log === this.log) this.onBatch(b);
        },
        judging: () => {
          if (log === this.log) this.$('[data-check-list]')?.setAttribute('aria-busy', 'true');
        },
        checks: (results, error) => {
          if (log !== this.log) return;
          this.onChecks(results, error);
          if (!vmRun) this.reportRun(files, !error && results.length > 0 && results.every((r) => r.pass));
        },
        exit: (e) => {
          vmRun?.end();
          if (log !== this.log) return;
          this.onExit(e);
          if (!vmRun && (!this.cfg.checks || e.ran === false)) this.reportRun(files, false);
          const box = this.$('[data-compare]');
          if (vmRun && box)
            void import('../terminal/kernel-switch.ts').then((ks) =>
              ks.showComparison(box, {
                wasmUrl: KERNEL_WASM,
                files,
                entry: this.cfg.entry,
                vmEvents: log.syscalls,
                ...(this.cfg.boot ? { boot: this.cfg.boot } : {}),
              }),
            );
        },
        killed: (reason, message) => {
          vmRun?.end(true);
          if (log === this.log) this.onKilled(reason, message);
        },
      },
    );
  }

  /** Tell the class server about this run (class mode only; it re-runs a passing one itself). */
  private reportRun(files: Record<string, string>, passed: boolean): void {
    if (!classSession()) return;
    let output = this.log.output.map((l) => l.text).join('\n');
    if (output.length > 60_000) output = `${output.slice(0, 30_000)}\n…\n${output.slice(-29_000)}`;
    void report({ type: 'run', lessonId: this.cfg.lessonId, files, output, passed });
  }

  /** Stop the running program (its worker is terminated at once). */
  stop(): void {
    this.runner?.stop();
  }

  private onBatch(b: Batch): void {
    this.log.add(b);
    this.appendOutput(b.output);
    if (b.cut) this.showCut(b.cut);
    for (const e of b.kernel) {
      if (e.kind === 'lockup' || e.kind === 'deadlock')
        this.appendOutput([{ stream: 'system', text: kernelReport(e) }], 'pg-kreport');
    }
    if (this.running) this.statusSoon(`Running… virtual time ${seconds(this.log.time)}`);
    void this.panels?.then((p) => p.update(this.log));
  }

  private onExit(e: Exit): void {
    this.log.exit = e;
    this.finish();
    if (e.status === 'ok') {
      this.status(`The program ended after ${seconds(e.time)} of virtual time (${e.wallMs} ms of real time).`, 'good');
    } else {
      this.status(
        e.ran === false
          ? `The program did not start (see the output).${this.cfg.checks ? ' The checks were not run again.' : ''}`
          : 'The program ended with an error (see the output).',
        'bad',
      );
      if (e.error?.file && e.error.line) {
        const { file, line, column } = e.error;
        this.editor?.markError(file, line, e.error.message);
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'pg-link pg-goto';
        b.textContent = `Go to ${file}:${line}${column ? `:${column}` : ''}`;
        b.addEventListener('click', () => void this.goTo(file, line, column));
        const div = document.createElement('div');
        div.className = 'pg-line pg-system';
        div.append(b);
        this.queue(() => this.$('[data-output]')!.append(div));
      }
    }
    if (this.log.output.length === 0 && !e.error)
      this.appendOutput([{ stream: 'system', text: '(the program printed nothing)' }]);
    void this.panels?.then((p) => p.update(this.log));
  }

  /** Put the cursor on a line (and column) of a file, in view, and focus the editor. */
  private async goTo(file: string, line: number, column?: number): Promise<void> {
    await this.loadEditor();
    if (file !== this.active) this.showFile(file);
    this.editor!.goTo(line, column);
  }

  private onKilled(reason: import('../../runtime/client.ts').KillReason, message: string): void {
    this.log.killed = message;
    this.finish();
    this.appendOutput([{ stream: 'system', text: reason === 'stopped' ? 'Stopped.' : message }]);
    this.status(
      reason === 'stopped' ? 'Stopped. The kernel and its processes were thrown away; Run starts afresh.' : message,
      reason === 'stopped' ? undefined : 'bad',
    );
    void this.panels?.then((p) => p.update(this.log));
  }

  private finish(): void {
    this.running = false;
    clearTimeout(this.statusTimer);
    delete this.root.dataset.running;
    this.button('stop')!.disabled = true;
  }

  private onChecks(results: CheckResult[], error?: string): void {
    const list = this.$('[data-check-list]');
    if (!list) return;
    list.removeAttribute('aria-busy');
    if (error) {
      const li = document.createElement('li');
      li.className = 'pg-check pg-fail';
      li.textContent = error;
      list.replaceChildren(li);
      return;
    }
    list.replaceChildren(
      ...results.map((r) => {
        const li = document.createElement('li');
        li.className = `pg-check ${r.pass ? 'pg-pass' : 'pg-fail'}`;
        const body = document.createElement('div');
        const name = document.createElement('strong');
        name.textContent = r.name;
        const msg = document.createElement('span');
        msg.textContent = ` — ${r.message}`;
        const verdict = document.createElement('span');
        verdict.className = 'pg-sr';
        verdict.textContent = r.pass ? 'Passed: ' : 'Failed: ';
        body.append(verdict, name, msg);
        li.append(body);
        if (!r.pass && r.hints && r.hints.length > 0)
          body.append(hintsFor(r.hints, () => void report({ type: 'hint', lessonId: this.cfg.lessonId })));
        return li;
      }),
    );
    if (results.length > 0 && results.every((r) => r.pass)) {
      markComplete(this.cfg.lessonId);
      this.$('[data-complete]')?.removeAttribute('hidden');
      this.status('Every check passed: lesson complete.', 'good');
    }
  }

  // ---- output and status ----------------------------------------------------------------------

  /**
   * Output is drawn once per animation frame, whatever number of messages brought it (a program
   * printing line by line sends one message per line): the page keeps up, and nothing is lost.
   */
  private queue(op: () => void): void {
    this.outOps.push(op);
    if (!this.outFrame) this.outFrame = requestAnimationFrame(() => this.drawOutput());
  }

  private drawOutput(): void {
    if (this.outFrame) cancelAnimationFrame(this.outFrame);
    this.outFrame = 0;
    const ops = this.outOps.splice(0);
    for (const op of ops) op();
  }

  private appendOutput(lines: OutputLine[], extraClass?: string): void {
    if (lines.length === 0) return;
    this.queue(() => this.renderLines(lines, extraClass));
  }

  private showCut(c: OutputCut): void {
    // Only the latest cut matters: it replaces the previous one.
    this.latestCut = c;
    this.queue(() => {
      if (this.latestCut === c) this.renderCut(c);
    });
  }

  private clearOutput(): void {
    this.outOps.length = 0;
    this.latestCut = undefined;
    const out = this.$('[data-output]')!;
    out.replaceChildren();
    out.classList.remove('pg-multi');
  }

  private renderLines(lines: OutputLine[], extraClass?: string): void {
    const out = this.$('[data-output]')!;
    const atBottom = out.scrollHeight - out.scrollTop - out.clientHeight < 24;
    const frag = document.createDocumentFragment();
    const mainPid = this.log.output.find((l) => l.pid !== undefined)?.pid;
    for (const l of lines) {
      const div = document.createElement('div');
      div.className = `pg-line pg-${l.stream}${extraClass ? ` ${extraClass}` : ''}`;
      if (l.pid !== undefined && mainPid !== undefined && l.pid !== mainPid) out.classList.add('pg-multi');
      const who = document.createElement('span');
      who.className = 'pg-who';
      who.textContent = l.pid !== undefined ? `${this.log.names.get(l.pid) ?? 'pid'} ${l.pid}` : '';
      const text = document.createElement('span');
      text.className = 'pg-text';
      text.textContent = l.text;
      if (l.time !== undefined) div.title = `virtual time ${seconds(l.time)}`;
      div.append(who, text);
      frag.append(div);
    }
    const cut = out.querySelector('[data-cut]');
    // Lines printed before the cut go before it; anything after the program (system notes) after.
    if (cut && extraClass === undefined && lines.every((l) => l.stream !== 'system')) cut.before(frag);
    else out.append(frag);
    while (out.childElementCount > MAX_OUTPUT_NODES) out.firstElementChild!.remove();
    if (atBottom) out.scrollTop = out.scrollHeight;
    if (!this.firstOutput && !extraClass && lines.some((l) => l.stream !== 'system')) {
      this.firstOutput = true;
      performance.mark('netlink-lab:first-output');
      this.root.dataset.firstOutputMs = String(Math.round(performance.now() - this.runStarted));
    }
  }

  /** The end of a flood: which lines are left out, then the latest lines (replaced as they come). */
  private renderCut(c: OutputCut): void {
    const out = this.$('[data-output]')!;
    const atBottom = out.scrollHeight - out.scrollTop - out.clientHeight < 24;
    let box = out.querySelector<HTMLElement>('[data-cut]');
    if (!box) {
      box = document.createElement('div');
      box.dataset.cut = '';
      box.className = 'pg-cut';
      out.append(box);
    }
    const first = c.printed - c.tail.length + 1;
    const left = first - c.head - 1;
    const n = (x: number) => x.toLocaleString('en-US');
    const note = document.createElement('div');
    note.className = 'pg-line pg-system pg-cut-note';
    note.textContent =
      left > 0
        ? `Output cut: lines ${n(c.head + 1)}–${n(first - 1)} (${n(left)} lines) are left out. Shown: lines 1–${n(c.head)} above and ${n(first)}–${n(c.printed)} below${this.running ? ', the latest so far' : ', the last the program printed'}.`
        : '';
    const lines = c.tail.map((l) => {
      const div = document.createElement('div');
      div.className = `pg-line pg-${l.stream}`;
      const who = document.createElement('span');
      who.className = 'pg-who';
      who.textContent = l.pid !== undefined ? `${this.log.names.get(l.pid) ?? 'pid'} ${l.pid}` : '';
      const text = document.createElement('span');
      text.className = 'pg-text';
      text.textContent = l.text;
      div.append(who, text);
      return div;
    });
    box.replaceChildren(...(left > 0 ? [note] : []), ...lines);
    if (atBottom) out.scrollTop = out.scrollHeight;
  }

  private statusSoon(text: string): void {
    if (this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      if (this.running) this.status(text);
    }, 200);
  }

  private status(text: string, tone?: 'good' | 'bad', action?: { label: string; run(): void }): void {
    const p = this.$('[data-status]')!;
    p.className = `pg-status${tone ? ` pg-${tone}` : ''}`;
    p.textContent = text;
    if (action) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'pg-link';
      b.textContent = action.label;
      b.addEventListener('click', () => action.run(), { once: true });
      p.append(' ', b);
    }
  }

  // ---- panel tabs -----------------------------------------------------------------------------

  private wirePanelTabs(): void {
    const list = this.$('.pg-tabs')!;
    for (const tab of list.querySelectorAll<HTMLButtonElement>('[role="tab"]')) {
      tab.addEventListener('click', () => this.showPanel(tab.dataset.panel!));
      tab.addEventListener('keydown', (e) => this.arrowKeys(e, list, '[role="tab"]'));
    }
  }

  private showPanel(id: string): void {
    for (const tab of this.root.querySelectorAll<HTMLButtonElement>('.pg-tab')) {
      const on = tab.dataset.panel === id;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
    }
    for (const body of this.root.querySelectorAll<HTMLElement>('[data-panel-body]'))
      body.hidden = body.dataset.panelBody !== id;
    // Before the first run the panels hold their placeholders (their code may be loaded already).
    if (this.ran) void this.panels?.then((p) => p.update(this.log, true));
  }

  private arrowKeys(e: KeyboardEvent, list: HTMLElement, sel: string): void {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft' && e.key !== 'Home' && e.key !== 'End') return;
    const tabs = [...list.querySelectorAll<HTMLButtonElement>(sel)];
    const i = tabs.indexOf(e.currentTarget as HTMLButtonElement);
    const next =
      e.key === 'Home'
        ? 0
        : e.key === 'End'
          ? tabs.length - 1
          : (i + (e.key === 'ArrowRight' ? 1 : -1) + tabs.length) % tabs.length;
    e.preventDefault();
    tabs[next]!.focus();
    tabs[next]!.click();
  }
}

/** A failing check's graded hints: none shown at first, one more on each press ("Hint 1 of 3"). */
function hintsFor(hints: string[], onShow?: () => void): HTMLElement {
  const box = document.createElement('div');
  box.className = 'pg-hints';
  const list = document.createElement('ol');
  list.className = 'pg-hint-list';
  list.setAttribute('aria-live', 'polite');
  const btn = document.createElement('button');
  btn.type = 'button';
  btn.className = 'pg-link pg-hint-btn';
  const label = () => {
    btn.textContent =
      list.childElementCount === 0
        ? `Show a hint (1 of ${hints.length})`
        : `Next hint (${list.childElementCount + 1} of ${hints.length})`;
  };
  label();
  btn.addEventListener('click', () => {
    const i = list.childElementCount;
    const li = document.createElement('li');
    const b = document.createElement('strong');
    b.textContent = `Hint ${i + 1} of ${hints.length}: `;
    li.append(b, hints[i]!);
    list.append(li);
    onShow?.();
    if (list.childElementCount >= hints.length) {
      btn.remove();
      list.tabIndex = -1;
      list.focus();
    } else label();
  });
  box.append(list, btn);
  return box;
}

/** Call `fn` when the browser is idle, at the latest after `timeout` ms. */
function idle(fn: () => void, timeout: number): void {
  const ric = (globalThis as { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number })
    .requestIdleCallback;
  if (ric) ric(fn, { timeout });
  else setTimeout(fn, 300);
}

const same = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/** Virtual milliseconds as seconds: '30.0 s', or ms below a second. */
export const seconds = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

function kernelReport(e: { kind: string; [k: string]: unknown }): string {
  const text = typeof e.message === 'string' ? e.message : typeof e.text === 'string' ? e.text : JSON.stringify(e);
  if (e.kind === 'deadlock') return `Kernel: ${text}. Each waiting call fails with EDEADLK.`;
  return `Kernel: ${text}`;
}
