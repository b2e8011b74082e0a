/**
 * The lab's file tools, beside the playground's file tabs: New file, Rename, Delete (each asks
 * before anything is lost), and a guard against two tabs of the lab overwriting each other's saved
 * files: when another tab saves, saving here stops until the learner picks which files to keep.
 * Loaded only on the lab page (Playground's `editableFiles`).
 */
import type { Playground } from '../playground/playground.ts';
import { codeKey, loadCode } from '../playground/saved-code.ts';

/** A file name the lab accepts: letters, digits, '_', '-', '.', ending in .ts. */
export function checkFileName(name: string, existing: string[], renaming?: string): string | undefined {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*\.ts$/.test(name))
    return `"${name}" is not a file name the lab accepts: use letters, digits, "_", "-" and ".", ending in .ts (for example util.ts).`;
  if (name !== renaming && existing.includes(name)) return `There is already a file named ${name}.`;
  return undefined;
}

/** Wire the file tools of the playground under `root`. */
export function attachFileTools(pg: Playground, root: HTMLElement): void {
  const form = root.querySelector<HTMLFormElement>('[data-file-form]');
  const input = form?.querySelector<HTMLInputElement>('input[name="name"]');
  if (!form || !input) return;
  let mode: 'new' | 'rename' = 'new';
  const btn = (a: string) => root.querySelector<HTMLButtonElement>(`[data-action="${a}"]`)!;

  const open = (m: 'new' | 'rename') => {
    mode = m;
    form.hidden = false;
    input.value = m === 'rename' ? pg.activeFile() : '';
    input.setCustomValidity('');
    form.querySelector('label')!.firstChild!.textContent =
      m === 'rename' ? `New name for ${pg.activeFile()} ` : 'Name of the new file ';
    input.focus();
    input.select();
  };
  const close = () => {
    form.hidden = true;
  };

  btn('new-file').addEventListener('click', () => open('new'));
  btn('rename-file').addEventListener('click', () => {
    if (pg.activeFile() === pg.entryFile()) {
      pg.say(`${pg.entryFile()} is the file that runs: it keeps its name.`, 'bad');
      return;
    }
    open('rename');
  });
  btn('cancel-file').addEventListener('click', close);
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') close();
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = input.value.trim();
    const files = pg.currentFiles();
    const err = checkFileName(name, Object.keys(files), mode === 'rename' ? pg.activeFile() : undefined);
    if (err) {
      input.setCustomValidity(err);
      input.reportValidity();
      pg.say(err, 'bad');
      return;
    }
    input.setCustomValidity('');
    if (mode === 'new') {
      pg.replaceFiles(
        {
          ...files,
          [name]: `// ${name}: import it from ${pg.entryFile()} with \`import { … } from './${name}';\`\nexport {};\n`,
        },
        name,
      );
      pg.say(`Added ${name}.`, 'good');
    } else {
      const old = pg.activeFile();
      const next: Record<string, string> = {};
      for (const [f, text] of Object.entries(files)) next[f === old ? name : f] = text;
      pg.replaceFiles(next, name);
      pg.say(`Renamed ${old} to ${name}.`, 'good');
    }
    close();
  });

  btn('delete-file').addEventListener('click', () => {
    const file = pg.activeFile();
    if (file === pg.entryFile()) {
      pg.say(`${file} is the file that runs: it cannot be deleted.`, 'bad');
      return;
    }
    pg.ask(`Delete ${file}? Its code is lost unless you Undo right after.`, [
      {
        label: `Delete ${file}`,
        run: () => {
          const before = pg.currentFiles();
          const next = { ...before };
          delete next[file];
          pg.replaceFiles(next, pg.entryFile());
          pg.ask(`Deleted ${file}.`, [
            {
              label: 'Undo',
              run: () => {
                pg.replaceFiles(before, file);
                pg.say(`${file} is back.`, 'good');
              },
            },
            { label: 'OK', run: () => {} },
          ]);
        },
      },
      { label: 'Keep it', run: () => pg.say(`${file} was kept.`) },
    ]);
  });

  // The message builder's "Put it in the editor": never replaces a file without asking.
  root.addEventListener('netlink-lab:put-file', (e) => {
    const { name, text } = (e as CustomEvent<{ name: string; text: string }>).detail;
    const before = pg.currentFiles();
    if (before[name] === text) {
      pg.say(`${name} already holds this program.`);
      return;
    }
    const put = (file: string) => {
      pg.replaceFiles({ ...before, [file]: text }, file);
      pg.ask(`${file} now holds the builder's program.`, [
        {
          label: 'Undo',
          run: () => {
            pg.replaceFiles(before, file in before ? file : pg.entryFile());
            pg.say(`${file} is as it was.`, 'good');
          },
        },
        { label: 'OK', run: () => {} },
      ]);
    };
    if (!(name in before)) {
      put(name);
      return;
    }
    let spare = 'message.ts';
    for (let i = 2; spare in before; i++) spare = `message-${i}.ts`;
    pg.ask(
      `Replace the code in ${name} with the builder's program? Your code in ${name} is lost unless you Undo right after.`,
      [
        { label: `Replace ${name}`, run: () => put(name) },
        { label: `Add it as ${spare}`, run: () => put(spare) },
        { label: 'Cancel', run: () => pg.say('Nothing was changed.') },
      ],
    );
  });

  // Another tab of the lab saved its files: do not overwrite them (or lose ours) without asking.
  const key = codeKey(root.dataset.lessonId ?? 'lab');
  addEventListener('storage', (e) => {
    if (e.key !== key || e.newValue === null) return;
    const theirs = loadCode(root.dataset.lessonId ?? 'lab');
    if (!theirs || same(theirs, pg.currentFiles())) return;
    pg.holdSaving(true);
    pg.ask('The lab was saved from another tab or window, with other files. Nothing is saved here until you choose.', [
      {
        label: 'Load the other files',
        run: () => {
          pg.replaceFiles(theirs, pg.entryFile());
          pg.holdSaving(false);
          pg.say('The files saved by the other tab are here now.', 'good');
        },
      },
      {
        label: 'Keep these (replace the other files)',
        run: () => {
          pg.holdSaving(false);
          pg.say("These files are saved; the other tab's are replaced.", 'good');
        },
      },
    ]);
  });
}

const same = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
