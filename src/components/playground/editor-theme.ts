/**
 * The editor's look, from the site's CSS variables, so light and dark follow the site's theme
 * toggle without reconfiguring the editor. Colours of the syntax are --pg-syn-* (playground.css).
 */
import { EditorView } from '@codemirror/view';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';
import type { Extension } from '@codemirror/state';

const ui = EditorView.theme({
  '&': { color: 'var(--text)', backgroundColor: 'var(--code-bg)', fontSize: '0.875rem', height: '100%' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.55' },
  '.cm-content': { caretColor: 'var(--accent)', padding: '0.5rem 0' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--accent)', borderLeftWidth: '2px' },
  '&.cm-focused': { outline: 'none' },
  '.cm-gutters': {
    backgroundColor: 'var(--code-bg)',
    color: 'var(--text-muted)',
    borderRight: '1px solid var(--border)',
  },
  '.cm-activeLine': { backgroundColor: 'var(--pg-active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--pg-active-line)', color: 'var(--text)' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, ::selection': {
    backgroundColor: 'var(--pg-selection) !important',
  },
  '.cm-selectionMatch': { backgroundColor: 'var(--pg-match)' },
  '.cm-matchingBracket': { backgroundColor: 'var(--pg-match)', outline: '1px solid var(--border)' },
  '.cm-tooltip': {
    backgroundColor: 'var(--bg-raised)',
    color: 'var(--text)',
    border: '1px solid var(--border)',
    borderRadius: '6px',
    boxShadow: '0 4px 14px rgb(0 0 0 / 0.15)',
  },
  '.cm-tooltip-autocomplete > ul > li[aria-selected]': {
    backgroundColor: 'var(--accent)',
    color: 'var(--accent-text)',
  },
  '.pg-hover-doc': { marginTop: '0.35rem', fontFamily: 'var(--font)', whiteSpace: 'pre-line' },
  '.pg-api-link': { display: 'block', marginTop: '0.35rem', color: 'var(--accent)', fontFamily: 'var(--font)' },
  '.cm-tooltip-hover, .cm-tooltip-lint': {
    maxWidth: 'min(40rem, 90vw)',
    padding: '0.35rem 0.55rem',
    fontFamily: 'var(--mono)',
    fontSize: '0.8rem',
    whiteSpace: 'pre-wrap',
  },
  '.cm-diagnostic-error': { borderLeftColor: 'var(--pg-error)' },
  '.cm-panels': { backgroundColor: 'var(--bg-raised)', color: 'var(--text)' },
  '.cm-foldPlaceholder': {
    backgroundColor: 'var(--bg-sunken)',
    border: '1px solid var(--border)',
    color: 'var(--text-muted)',
  },
  '.cm-searchMatch': { backgroundColor: 'var(--pg-match)' },
});

const syntax = HighlightStyle.define([
  {
    tag: [t.keyword, t.controlKeyword, t.moduleKeyword, t.operatorKeyword, t.definitionKeyword],
    color: 'var(--pg-syn-keyword)',
  },
  { tag: [t.string, t.special(t.string), t.regexp], color: 'var(--pg-syn-string)' },
  { tag: [t.number, t.bool, t.null, t.atom], color: 'var(--pg-syn-number)' },
  { tag: [t.comment, t.lineComment, t.blockComment], color: 'var(--pg-syn-comment)', fontStyle: 'italic' },
  { tag: [t.function(t.variableName), t.function(t.propertyName)], color: 'var(--pg-syn-function)' },
  { tag: [t.typeName, t.className, t.namespace], color: 'var(--pg-syn-type)' },
  { tag: [t.definition(t.variableName), t.propertyName], color: 'var(--pg-syn-property)' },
  { tag: [t.constant(t.variableName), t.standard(t.variableName)], color: 'var(--pg-syn-constant)' },
  { tag: t.invalid, color: 'var(--pg-error)' },
]);

/** The editor's theme and syntax colours. */
export const editorTheme: Extension = [ui, syntaxHighlighting(syntax)];
