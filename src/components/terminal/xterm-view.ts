/**
 * The terminal's screen: xterm.js with its fit addon. Imported dynamically when a Terminal panel
 * opens, so pages that never open one do not load xterm (~90 KB gzipped).
 */
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
// As a URL, not a CSS import: Astro would put an imported stylesheet on every page with a terminal.
import xtermCssUrl from '@xterm/xterm/css/xterm.css?url';

function loadCss(): Promise<void> {
  if (document.querySelector('link[data-xterm-css]')) return Promise.resolve();
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = xtermCssUrl;
  link.dataset.xtermCss = '';
  const loaded = new Promise<void>((resolve) => {
    link.onload = () => resolve();
    link.onerror = () => resolve();
  });
  document.head.append(link);
  return loaded;
}

/**
 * The guest's serial console believes it is 80 columns wide (busybox's line editor relies on it
 * for lines being typed); wider output, such as /proc/net/netlink's 100-column table, shows
 * unwrapped when the panel has room.
 */
export const CONSOLE_COLS = 80;

/** A terminal screen in `host`. */
export interface TerminalView {
  term: Terminal;
  /** Fit the screen to the panel (at least 80 columns; narrower panels scroll sideways). */
  fit(): void;
  dispose(): void;
}

/** Create the screen: dark, monospace, fitted to the host element, at least 80 columns. */
export async function createTerminalView(host: HTMLElement): Promise<TerminalView> {
  // xterm measures its character cell with its stylesheet in place.
  await loadCss();
  const term = new Terminal({
    cols: CONSOLE_COLS,
    rows: 24,
    convertEol: false,
    cursorBlink: true,
    fontFamily: getComputedStyle(host).fontFamily || 'monospace',
    fontSize: 12,
    scrollback: 5000,
    theme: { background: '#0d1117', foreground: '#e4e6e9', cursor: '#78b8ff', selectionBackground: '#264f78' },
  });
  const fitAddon = new FitAddon();
  term.loadAddon(fitAddon);
  term.open(host);
  const fit = () => {
    const d = fitAddon.proposeDimensions();
    if (d && Number.isFinite(d.rows) && d.rows > 2) term.resize(Math.max(CONSOLE_COLS, d.cols), d.rows);
  };
  fit();
  const ro = new ResizeObserver(() => fit());
  ro.observe(host);
  return {
    term,
    fit,
    dispose() {
      ro.disconnect();
      term.dispose();
    },
  };
}
