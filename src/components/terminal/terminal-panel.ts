/**
 * What a Terminal panel does on the page: when opened, find the relay (page address or remembered
 * URL), ask its /health whether it runs and accepts this page, then load xterm.js and connect.
 * Every failure is told in a sentence with the fix. The root element's `data-state` follows along:
 * closed → setup | checking → booting → ready → ended. A `?relay=` in the page's address is used
 * only once the learner accepts it (for this page, or remembered); until then the panel asks.
 */
import { checkRelay, type RelaySession } from '../../runtime/vm/relay-client.ts';
import { openSharedVm, sharedVm } from '../../runtime/vm/shared-session.ts';
import {
  acceptPageRelay,
  findRelayUrl,
  forgetRelayUrl,
  ignorePageRelay,
  isPageOnlyRelay,
  pageRelay,
  pendingPageRelay,
  rememberRelayUrl,
} from './relay-address.ts';
import type { TerminalView } from './xterm-view.ts';
import { href } from '../../course/url.ts';

type State = 'closed' | 'setup' | 'checking' | 'booting' | 'ready' | 'ended';

class Panel {
  private view: TerminalView | null = null;
  private session: RelaySession | null = null;
  private stopListening: (() => void) | null = null;
  /** Where keystrokes go: the relay session's console or the in-browser kernel's shell. */
  private keys: ((d: string) => void) | null = null;
  private readonly $ = <T extends HTMLElement>(sel: string) => this.root.querySelector<T>(sel)!;

  constructor(private readonly root: HTMLElement) {
    this.$('[data-term-toggle]').addEventListener('click', () => this.toggle());
    this.$('[data-term-form]').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const input = this.$<HTMLInputElement>('[data-term-input]');
      try {
        void this.start(rememberRelayUrl(input.value));
      } catch (e) {
        this.setupError((e as Error).message);
      }
    });
    this.$('[data-term-reconnect]').addEventListener('click', () => void this.start());
    this.$('[data-term-v86]').addEventListener('click', () => void this.startInBrowser());
    this.$('[data-term-disconnect]').addEventListener('click', () => this.session?.close());
    // The playground may start the page's VM first: the terminal then shows it when opened.
    this.$('[data-term-forget]').addEventListener('click', () => {
      this.stop();
      forgetRelayUrl();
      this.setup(null);
    });
    this.$('[data-term-ask-page]').addEventListener('click', () => {
      acceptPageRelay(false);
      void this.start();
    });
    this.$('[data-term-ask-remember]').addEventListener('click', () => {
      acceptPageRelay(true);
      void this.start();
    });
    this.$('[data-term-ask-ignore]').addEventListener('click', () => {
      ignorePageRelay();
      void this.start();
    });
    for (const b of this.root.querySelectorAll<HTMLButtonElement>('[data-command]')) {
      b.addEventListener('click', () => {
        if (this.state() !== 'ready') return;
        this.keys?.(`${b.dataset.command}\r`);
        this.view?.term.focus();
      });
    }
    if (this.root.dataset.open === 'true') this.toggle();
  }

  private state(): State {
    return (this.root.dataset.state ?? 'closed') as State;
  }
  private setState(s: State): void {
    this.root.dataset.state = s;
    this.$('[data-term-reconnect]').hidden = s !== 'ended';
    this.$('[data-term-disconnect]').hidden = s !== 'booting' && s !== 'ready';
    for (const b of this.root.querySelectorAll<HTMLButtonElement>('[data-command]')) b.disabled = s !== 'ready';
  }
  private status(text: string): void {
    this.$('[data-term-status]').textContent = text;
  }

  private toggle(): void {
    const body = this.$('[data-term-body]');
    const btn = this.$('[data-term-toggle]');
    const open = body.hidden;
    body.hidden = !open;
    btn.setAttribute('aria-expanded', String(open));
    btn.textContent = open ? 'Close terminal' : 'Open terminal';
    if (open) void this.start();
    else {
      this.stop();
      this.setState('closed');
      this.status('');
    }
  }

  /** Ask whether to use the relay that the page's address names (never used silently). */
  private ask(url: string): void {
    this.setState('setup');
    this.$('[data-term-setup]').hidden = true;
    this.$('[data-term-screen]').hidden = true;
    this.$('[data-term-ask-host]').textContent = new URL(url).host;
    this.$('[data-term-ask]').hidden = false;
    this.status('Not connected to a VM.');
  }

  /** Say, visibly, that the relay in use came from the page's address and is not remembered. */
  private notice(url: string | null): void {
    const el = this.$('[data-term-notice]');
    el.hidden = !url;
    el.textContent = url
      ? `Using the relay at ${new URL(url).host} from this page's address, on this page only; your saved relay is unchanged.`
      : '';
  }

  /** Show the "start the relay" instructions, with an error sentence or none. */
  private setup(error: string | null, url?: string): void {
    this.setState('setup');
    this.$('[data-term-ask]').hidden = true;
    this.$('[data-term-setup]').hidden = false;
    this.$('[data-term-screen]').hidden = true;
    if (url) this.$<HTMLInputElement>('[data-term-input]').value = url;
    this.setupError(error);
    this.status('Not connected to a VM.');
  }
  private setupError(text: string | null): void {
    const el = this.$('[data-term-error]');
    el.textContent = text ?? '';
    el.hidden = !text;
  }

  /** Detach from the VM (it keeps running if the playground uses it). */
  private stop(): void {
    this.stopListening?.();
    this.stopListening = null;
    this.session = null;
    this.keys = null;
  }

  private async screen(): Promise<TerminalView> {
    this.$('[data-term-setup]').hidden = true;
    const screen = this.$('[data-term-screen]');
    screen.hidden = false;
    if (!this.view) {
      this.status('Loading the terminal…');
      const { createTerminalView } = await import('./xterm-view.ts');
      this.view = await createTerminalView(screen);
      this.view.term.onData((d) => this.keys?.(d));
    } else {
      this.view.term.reset();
    }
    return this.view;
  }

  /**
   * A shell on "Linux in your browser" (no relay needed): the page's in-browser kernel, started
   * if the playground has not started it yet; its ttyS0 shell on this screen.
   */
  private async startInBrowser(): Promise<void> {
    this.stop();
    const { term } = await this.screen();
    this.setState('booting');
    const base = href('/');
    const { startPageMachine } = await import('../../runtime/v86/page.ts');
    let pm;
    try {
      pm = await startPageMachine(base, (loaded, total, phase) => {
        this.status(
          phase === 'start'
            ? 'Starting Linux in your browser…'
            : `Loading Linux in your browser: ${(loaded / 1e6).toFixed(1)}${total ? ` of ${(total / 1e6).toFixed(1)}` : ''} MB…`,
        );
      });
    } catch (e) {
      this.setup((e as Error).message);
      return;
    }
    const { machine, manifest, readyMs } = pm;
    // The console's bytes, as they come (machine.ts hands them on as Latin-1 characters).
    const off = machine.onConsole((ch) => term.write(new Uint8Array([ch.charCodeAt(0)])));
    this.stopListening = off;
    this.keys = (d) => machine.type(d);
    this.root.dataset.vm = 'v86';
    this.setState('ready');
    this.status(
      `Linux ${manifest.kernelRelease} is running in your browser (ready in ${(readyMs / 1000).toFixed(1)} s). You are root there; Ctrl-C stops a command.`,
    );
    machine.type('\r');
    term.focus();
  }

  private async start(pasted?: string): Promise<void> {
    this.stop();
    this.$('[data-term-ask]').hidden = true;
    if (!pasted && !sharedVm()) {
      const pending = pendingPageRelay();
      if (pending) return this.ask(pending);
    }
    const url = pasted ?? sharedVm()?.url ?? findRelayUrl();
    this.notice(url && isPageOnlyRelay(url) ? url : null);
    if (!url) {
      const p = pageRelay();
      return this.setup(p && 'error' in p ? `The relay in this page's address cannot be used: ${p.error}` : null);
    }
    this.setState('checking');
    this.status('Looking for the relay…');
    const health = await checkRelay(url);
    const where = new URL(url).host;
    if (!health)
      return this.setup(
        `No relay answers at ${where}. Start it with \`npm run vm\` in the project folder, then paste the URL it prints.`,
        url,
      );
    if (!health.originAllowed) {
      return this.setup(
        `The relay at ${where} does not accept this page (${location.origin}). Restart it with \`npm run vm -- --origin ${location.origin}\`.`,
        url,
      );
    }
    if (health.token !== 'valid') {
      return this.setup(
        `The relay at ${where} has another token (it makes a new one each time it starts). Paste the URL it printed last.`,
        url,
      );
    }
    if (health.full)
      return this.setup(
        `The relay at ${where} is full (${health.sessions} of ${health.maxSessions} VMs running). Close another terminal, or restart it with --max-sessions.`,
        url,
      );

    const { term } = await this.screen();
    this.setState('booting');
    this.status(`Booting Linux ${health.kernel} in a VM…`);
    const running = sharedVm();
    let vm;
    try {
      vm = openSharedVm(url, this.root.dataset.cmdline ?? '');
    } catch (e) {
      this.setState('ended');
      this.status((e as Error).message);
      return;
    }
    const session = vm.session;
    this.session = session;
    this.keys = (d) => session.sendConsole(d);
    this.stopListening = vm.onConsole((b) => term.write(b));
    // Joining a VM that is already up: ask its shell for a fresh prompt.
    if (running === vm)
      void session.ready.then(
        () => session.sendConsole('\r'),
        () => {},
      );
    session.hello.then(
      (h) => {
        if (this.session === session) this.root.dataset.vm = h.vm;
      },
      () => {
        /* reported by `closed` */
      },
    );
    session.ready.then(
      ({ bootMs }) => {
        if (this.session !== session) return;
        this.setState('ready');
        this.status(
          `Linux ${health.kernel} is ready (booted in ${(bootMs / 1000).toFixed(1)} s). You are root in the VM; Ctrl-C stops a command.`,
        );
        term.focus();
      },
      () => {
        /* reported by `closed` */
      },
    );
    void session.closed.then(({ reason }) => {
      if (this.session !== session) return;
      this.session = null;
      if (this.state() === 'closed') return;
      this.setState('ended');
      this.status(`Disconnected: ${reason}`);
      term.write(`\r\n\x1b[33m[disconnected: ${reason}]\x1b[0m\r\n`);
    });
  }
}

/** Make every `[data-terminal]` on the page work (once each). */
export function mountTerminals(): void {
  for (const el of document.querySelectorAll<HTMLElement>('[data-terminal]')) {
    if (el.dataset.mounted) continue;
    el.dataset.mounted = 'true';
    new Panel(el);
  }
}
