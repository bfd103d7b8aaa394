/**
 * A small XML writer for the files the importer produces: elements with attributes in the order
 * given, text, comments, four-space indentation as in Bergamot's own site files.
 */
export interface XmlNode {
  name: string;
  attributes?: [string, string][];
  children?: XmlChild[];
  text?: string;
}

export type XmlChild = XmlNode | { comment: string };

export function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

export function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A comment's text, made safe: `--` cannot appear inside an XML comment. */
function commentText(text: string): string {
  return text.replace(/--/g, '- -').replace(/-$/, '- ');
}

export function renderNode(node: XmlChild, indent = ''): string {
  if ('comment' in node) return `${indent}<!-- ${commentText(node.comment)} -->\n`;
  const attributes = (node.attributes ?? []).map(([k, v]) => ` ${k}="${escapeAttribute(v)}"`).join('');
  const children = node.children ?? [];
  if (children.length === 0) {
    if (node.text === undefined || node.text === '') return `${indent}<${node.name}${attributes}/>\n`;
    return `${indent}<${node.name}${attributes}>${escapeText(node.text)}</${node.name}>\n`;
  }
  const inner = children.map((child) => renderNode(child, `${indent}    `)).join('');
  return `${indent}<${node.name}${attributes}>\n${inner}${indent}</${node.name}>\n`;
}

/** A whole file: declaration, `<bergamot site="...">` and the given children. */
export function renderDocument(site: string, children: XmlChild[], heading?: string): string {
  const body = children.map((child) => renderNode(child, '    ')).join('');
  const comment = heading ? `<!-- ${commentText(heading)} -->\n` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n${comment}<bergamot site="${escapeAttribute(site)}">\n${body}</bergamot>\n`;
}
