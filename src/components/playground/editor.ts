/**
 * The code editor: CodeMirror 6 with TypeScript highlighting, one editor state per file (so undo
 * history stays with its file), Ctrl/Cmd+Enter to run. Loaded lazily by the playground; the
 * TypeScript language service joins later through enableLanguageService (see language.ts).
 */
import { basicSetup } from 'codemirror';
import { EditorView, keymap } from '@codemirror/view';
import { Compartment, EditorState, Prec, type Extension } from '@codemirror/state';
import { indentWithTab } from '@codemirror/commands';
import { javascript } from '@codemirror/lang-javascript';
import { forEachDiagnostic, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { editorTheme } from './editor-theme.ts';

/** What the playground tells the editor. */
export interface EditorOptions {
  parent: HTMLElement;
  files: Record<string, string>;
  /** The file shown first. */
  active: string;
  /** Called after every edit, with all files. */
  onChange(files: Record<string, string>): void;
  /** Ctrl/Cmd+Enter. */
  onRun(): void;
}

/** The editor as the playground uses it. */
export interface CodeEditor {
  readonly view: EditorView;
  /** Every file's current text. */
  files(): Record<string, string>;
  /** The file on screen. */
  active(): string;
  /** Show another file. */
  show(file: string): void;
  /** Replace every file (Reset, Solution, a shared link). */
  setFiles(files: Record<string, string>, active: string): void;
  /** Add per-file extensions (the language service) to every file. */
  setLanguage(ext: (file: string) => Extension): void;
  /** Mark a runtime error on its line (cleared by the next edit). */
  markError(file: string, line: number, message: string): void;
  /** The type errors the language service marked, in every file (empty before it started). */
  typeErrors(): { file: string; line: number; message: string }[];
  /** Put the cursor at a line (and 1-based column) of the file on screen, scroll to it, focus. */
  goTo(line: number, column?: number): void;
  focus(): void;
  destroy(): void;
}

/** Build the editor in `parent`. */
export function createEditor(o: EditorOptions): CodeEditor {
  const language = new Compartment();
  let languageExt: (file: string) => Extension = () => [];
  const states = new Map<string, EditorState>();
  let current = o.active;

  const base = (file: string): Extension => [
    basicSetup,
    javascript({ typescript: true }),
    keymap.of([indentWithTab]),
    Prec.highest(
      keymap.of([
        {
          key: 'Mod-Enter',
          run: () => {
            o.onRun();
            return true;
          },
          preventDefault: true,
        },
      ]),
    ),
    editorTheme,
    // tabindex: the content is focusable anyway (contenteditable); saying so lets checkers see it.
    EditorView.contentAttributes.of({ 'aria-label': `Code editor: ${file}`, tabindex: '0' }),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) o.onChange(files());
    }),
    language.of(languageExt(file)),
  ];
  const makeState = (file: string, doc: string) => EditorState.create({ doc, extensions: base(file) });
  for (const [f, text] of Object.entries(o.files)) states.set(f, makeState(f, text));
  if (!states.has(current)) current = Object.keys(o.files)[0] ?? 'main.ts';

  const view = new EditorView({ state: states.get(current), parent: o.parent });

  function files(): Record<string, string> {
    states.set(current, view.state);
    return Object.fromEntries([...states].map(([f, s]) => [f, s.doc.toString()]));
  }

  return {
    view,
    files,
    active: () => current,
    show(file) {
      if (file === current || !states.has(file)) return;
      states.set(current, view.state);
      current = file;
      view.setState(states.get(file)!);
    },
    setFiles(next, active) {
      states.clear();
      for (const [f, text] of Object.entries(next)) states.set(f, makeState(f, text));
      current = states.has(active) ? active : (Object.keys(next)[0] ?? active);
      view.setState(states.get(current)!);
      o.onChange(files());
    },
    setLanguage(ext) {
      languageExt = ext;
      states.set(current, view.state);
      for (const [f, s] of states) {
        if (f === current) continue;
        states.set(f, s.update({ effects: language.reconfigure(ext(f)) }).state);
      }
      view.dispatch({ effects: language.reconfigure(ext(current)) });
    },
    markError(file, line, message) {
      this.show(file);
      const doc = view.state.doc;
      if (line < 1 || line > doc.lines) return;
      const l = doc.line(line);
      const d: Diagnostic = { from: l.from, to: l.to, severity: 'error', message, source: 'run' };
      view.dispatch(setDiagnostics(view.state, [d]));
      view.dispatch({ selection: { anchor: l.from }, scrollIntoView: true });
    },
    typeErrors() {
      states.set(current, view.state);
      const out: { file: string; line: number; message: string }[] = [];
      for (const [file, st] of states) {
        forEachDiagnostic(st, (d, from) => {
          if (d.severity === 'error' && d.source !== 'run')
            out.push({ file, line: st.doc.lineAt(from).number, message: d.message.split('\n')[0]! });
        });
      }
      return out;
    },
    goTo(line, column) {
      const doc = view.state.doc;
      const l = doc.line(Math.min(Math.max(1, line), doc.lines));
      const at = Math.min(l.from + Math.max(0, (column ?? 1) - 1), l.to);
      view.dispatch({ selection: { anchor: at }, effects: EditorView.scrollIntoView(at, { y: 'center' }) });
      view.focus();
    },
    focus: () => view.focus(),
    destroy: () => view.destroy(),
  };
}
