/**
 * Build-time highlighting for whole source files (the kernel pages), with the same light and dark
 * themes as the lessons' code blocks and an id on every line ("L12") for links from traces.
 */
import { createHighlighter, type Highlighter } from 'shiki';

let highlighter: Promise<Highlighter> | undefined;

/** The site's two code themes. */
export const CODE_THEMES = { light: 'github-light-default', dark: 'github-dark-default' } as const;

/** Highlight `code` as HTML: <pre class="astro-code"> with one <span class="line" id="L<n>"> per line. */
export async function highlightWithLines(code: string, lang: 'ts' | 'c'): Promise<string> {
  highlighter ??= createHighlighter({ themes: Object.values(CODE_THEMES), langs: ['ts', 'c'] });
  const h = await highlighter;
  return h.codeToHtml(code.replace(/\n$/, ''), {
    lang,
    themes: CODE_THEMES,
    defaultColor: false,
    transformers: [
      {
        pre(node) {
          this.addClassToHast(node, 'astro-code with-lines');
          node.properties.tabindex = '0';
        },
        line(node, line) {
          node.properties.id = `L${line}`;
        },
      },
    ],
  });
}
