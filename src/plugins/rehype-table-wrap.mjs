// @ts-check
/**
 * A rehype plugin that wraps every Markdown table in a focusable, labelled region, so a table
 * wider than a phone scrolls on its own (and keyboard users can scroll it) instead of the page.
 */

/** @typedef {{ type: string, tagName?: string, properties?: Record<string, unknown>, children?: Node[] }} Node */

/** @returns {(tree: Node) => void} */
export function rehypeTableWrap() {
  return (tree) => {
    /** @param {Node} node */
    const walk = (node) => {
      if (!node.children) return;
      node.children = node.children.map((child) => {
        if (child.type === 'element' && child.tagName === 'table') {
          return {
            type: 'element',
            tagName: 'div',
            properties: {
              className: ['table-wrap'],
              tabIndex: 0,
              role: 'region',
              ariaLabel: 'Table (scrolls sideways)',
            },
            children: [child],
          };
        }
        walk(child);
        return child;
      });
    };
    walk(tree);
  };
}
