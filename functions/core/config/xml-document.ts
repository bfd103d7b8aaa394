import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Diagnostics, SourcePosition } from './diagnostics.ts';

/**
 * A configuration file as a tree of elements that remember where they were written, so that
 * every later problem can name file:line:column. fast-xml-parser gives each element's start
 * offset (`captureMetaData`); attribute and text positions are found from there in the source.
 */
export interface XmlAttribute {
  value: string;
  at: SourcePosition;
}

export interface XmlElement {
  name: string;
  attributes: Map<string, XmlAttribute>;
  children: XmlElement[];
  /** Text and CDATA content, joined; trimmed unless it is a script. */
  text: string;
  at: SourcePosition;
  /** Where the text content starts, for positions inside expressions. */
  textAt: SourcePosition;
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  captureMetaData: true,
  cdataPropName: '#cdata',
  commentPropName: '#comment',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});
const META = XMLParser.getMetaDataSymbol() as unknown as string;

/** Maps character offsets to 1-based line and column. */
export class LineIndex {
  private readonly lineStarts: number[] = [0];

  constructor(readonly file: string, text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  at(offset: number): SourcePosition {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { file: this.file, line: low + 1, column: offset - this.lineStarts[low]! + 1 };
  }
}

/**
 * Parses one file. Malformed XML is reported (with the validator's line and column) and yields
 * no root: nothing in a file that cannot be read is trusted.
 */
export function parseXmlDocument(file: string, source: string, diagnostics: Diagnostics): XmlElement | undefined {
  const validation = XMLValidator.validate(source, { allowBooleanAttributes: false });
  if (validation !== true) {
    const { line, col, msg } = validation.err;
    diagnostics.error({ file, line, column: col }, `malformed XML: ${msg}`, 'fix the XML syntax; nothing in this file was read');
    return undefined;
  }
  const lines = new LineIndex(file, source);
  const nodes = parser.parse(source) as OrderedNode[];
  const roots = nodes.map((node) => toElement(node, source, lines)).filter((e): e is XmlElement => e !== undefined);
  if (roots.length !== 1) {
    diagnostics.error(lines.at(0), `expected exactly one root element, found ${roots.length}`);
    return undefined;
  }
  return roots[0];
}

function toElement(node: OrderedNode, source: string, lines: LineIndex): XmlElement | undefined {
  const name = Object.keys(node).find((key) => key !== ':@' && !key.startsWith('#'));
  if (name === undefined) return undefined;
  const meta = (node as Record<string, unknown>)[META] as { startIndex: number } | undefined;
  const start = meta?.startIndex ?? 0;
  const tagEnd = findTagEnd(source, start);
  const attributes = new Map<string, XmlAttribute>();
  for (const [attribute, value] of Object.entries(node[':@'] ?? {})) {
    attributes.set(attribute, { value: String(value), at: lines.at(findAttributeOffset(source, start, tagEnd, attribute)) });
  }
  const childNodes = (node[name] as OrderedNode[] | undefined) ?? [];
  const children: XmlElement[] = [];
  let text = '';
  for (const child of childNodes) {
    if ('#text' in child) text += String(child['#text']);
    else if ('#cdata' in child) text += (child['#cdata'] as { '#text': unknown }[]).map((t) => String(t['#text'])).join('');
    else if (!('#comment' in child)) {
      const element = toElement(child, source, lines);
      if (element) children.push(element);
    }
  }
  const textStart = skipToText(source, tagEnd + 1);
  return {
    name,
    attributes,
    children,
    text: name === 'script' ? text : text.trim(),
    at: lines.at(start),
    textAt: lines.at(textStart),
  };
}

/** Offset of the `>` that closes the start tag at `start`, skipping quoted attribute values. */
function findTagEnd(source: string, start: number): number {
  let quote = '';
  for (let i = start; i < source.length; i++) {
    const c = source[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return source.length - 1;
}

function findAttributeOffset(source: string, start: number, end: number, attribute: string): number {
  const tag = source.slice(start, end);
  const match = new RegExp(`\\s(${attribute.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')})\\s*=`).exec(tag);
  return match ? start + match.index + 1 : start;
}

/** Where an element's text begins: after leading whitespace and any `<![CDATA[` opener. */
function skipToText(source: string, offset: number): number {
  let i = offset;
  while (i < source.length && /\s/.test(source[i]!)) i++;
  if (source.startsWith('<![CDATA[', i)) i += '<![CDATA['.length;
  return i;
}
