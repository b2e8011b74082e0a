/**
 * The Solution panel: the learner's code beside the lesson's solution with the differences marked
 * (@codemirror/merge), side by side on wide screens and interleaved on narrow ones, one file at a
 * time, with a button that puts the solution into the editor. Loaded only when asked for.
 */
import { EditorView } from '@codemirror/view';
import { EditorState, type Extension } from '@codemirror/state';
import { javascript } from '@codemirror/lang-javascript';
import { MergeView, unifiedMergeView } from '@codemirror/merge';
import { lineNumbers } from '@codemirror/view';
import { editorTheme } from './editor-theme.ts';

/** What the panel shows and what "use" does. */
export interface SolutionOptions {
  mine: Record<string, string>;
  solution: Record<string, string>;
  entry: string;
  onUse(files: Record<string, string>): void;
}

const readOnly = (label: string): Extension => [
  EditorState.readOnly.of(true),
  EditorView.editable.of(false),
  lineNumbers(),
  javascript({ typescript: true }),
  editorTheme,
  // Not editable, yet reachable by keyboard so it can be scrolled and read.
  EditorView.contentAttributes.of({ 'aria-label': label, tabindex: '0' }),
];

/** Fill `box` with the comparison. */
export function showSolution(box: HTMLElement, o: SolutionOptions): void {
  const names = [
    o.entry,
    ...Object.keys(o.solution)
      .filter((f) => f !== o.entry)
      .sort(),
  ].filter((f) => f in o.solution);
  const head = document.createElement('div');
  head.className = 'pg-solution-head';
  const note = document.createElement('p');
  const changed = names.filter((f) => (o.mine[f] ?? '') !== o.solution[f]);
  const summary = (wide: boolean) =>
    changed.length === 0
      ? 'Your code is the same as the solution.'
      : `${wide ? 'Your code (left) and a solution (right)' : 'A solution, with your lines in red where they differ'}: ${changed.length} file${changed.length === 1 ? '' : 's'} differ${changed.length === 1 ? 's' : ''}.`;
  const controls = document.createElement('div');
  controls.className = 'pg-actions';
  let file = changed[0] ?? names[0] ?? o.entry;
  if (names.length > 1) {
    const select = document.createElement('select');
    select.setAttribute('aria-label', 'File to compare');
    select.className = 'pg-btn';
    for (const f of names) select.add(new Option(f, f, f === file, f === file));
    select.addEventListener('change', () => {
      file = select.value;
      draw();
    });
    controls.append(select);
  }
  const use = document.createElement('button');
  use.type = 'button';
  use.className = 'pg-btn';
  use.textContent = 'Use the solution';
  use.addEventListener('click', () => o.onUse({ ...o.solution }));
  controls.append(use);
  head.append(note, controls);

  const labels = document.createElement('div');
  labels.className = 'pg-diff-labels';
  labels.innerHTML = '<span>Your code</span><span>Solution</span>';
  const body = document.createElement('div');
  box.replaceChildren(head, labels, body);

  let view: { destroy(): void } | undefined;
  const draw = () => {
    view?.destroy();
    body.replaceChildren();
    const mine = o.mine[file] ?? '';
    const theirs = o.solution[file] ?? '';
    const wide = box.clientWidth >= 680;
    labels.hidden = !wide;
    note.textContent = summary(wide);
    if (wide) {
      view = new MergeView({
        a: { doc: mine, extensions: readOnly(`Your code: ${file} (read-only)`) },
        b: { doc: theirs, extensions: readOnly(`Solution: ${file} (read-only)`) },
        parent: body,
        collapseUnchanged: { margin: 3, minSize: 6 },
        gutter: true,
      });
    } else {
      view = new EditorView({
        parent: body,
        state: EditorState.create({
          doc: theirs,
          extensions: [
            readOnly(`Solution: ${file}, with your code's lines shown where they differ (read-only)`),
            unifiedMergeView({ original: mine, mergeControls: false, collapseUnchanged: { margin: 3, minSize: 6 } }),
          ],
        }),
      });
    }
  };
  draw();
}
