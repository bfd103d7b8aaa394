/**
 * Reading the API's own OpenAPI document in tests, so that tests walk whatever routes exist
 * (routes added later are covered without touching the test): every operation, a plausible
 * (schema-valid) value for a request body or parameter, and a check of an answer against its
 * documented schema. Only the subset of OpenAPI 3.0 that @hono/zod-openapi writes is handled:
 * `$ref`, `type`, `nullable`, `enum`, `properties`/`required`, `additionalProperties`, `items`,
 * `anyOf`/`oneOf`/`allOf`, string formats and bounds.
 */

export interface Schema {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  default?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Schema;
}

export interface Operation {
  method: string;
  /** As the document writes it: `/sites/{siteId}/checks`. */
  path: string;
  parameters: Parameter[];
  body?: Schema;
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> }; responses: Operation['responses'] }>>;
  components?: { schemas?: Record<string, Schema> };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Every operation of the document, in its order. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).filter(([method]) => METHODS.includes(method)).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      parameters: operation.parameters ?? [],
      ...(operation.requestBody?.content['application/json'] ? { body: operation.requestBody.content['application/json'].schema } : {}),
      responses: operation.responses,
    })));
}

/** Path parameter names, in order: `['siteId', 'checkId']`. */
export function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
}

export function resolve(schema: Schema, document: OpenApiDocument): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = document.components?.schemas?.[name];
  if (!target) throw new Error(`the document refers to ${schema.$ref}, which it does not define`);
  return resolve(target, document);
}

export interface SampleHints {
  /** Values for properties by name (`siteId`, `checkId`...): ids a test wants in the body. */
  byName?: Record<string, unknown>;
  /** The time for date-times; a property named like an end (`to`, `until`, `end...`) gets an hour later. */
  nowMs?: number;
}

/** A value the schema accepts, filled with every property, not only the required ones. */
export function sampleOf(schema: Schema, document: OpenApiDocument, hints: SampleHints = {}, name = ''): unknown {
  const s = resolve(schema, document);
  if (name && hints.byName && Object.hasOwn(hints.byName, name)) return hints.byName[name];
  const variants = s.anyOf ?? s.oneOf;
  if (variants?.[0]) return sampleOf(variants[0], document, hints, name);
  if (s.allOf) return Object.assign({}, ...s.allOf.map((part) => sampleOf(part, document, hints, name)));
  if (s.enum?.length) return s.enum[0];
  if (s.default !== undefined) return s.default;
  switch (s.type) {
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(s.properties ?? {})) value[key] = sampleOf(property, document, hints, key);
      if (typeof s.additionalProperties === 'object') value['sample.xml'] = sampleOf(s.additionalProperties, document, hints, 'sample.xml');
      return value;
    }
    case 'array':
      return Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => sampleOf(s.items ?? {}, document, hints, name));
    case 'integer':
    case 'number':
      return Math.max(s.minimum ?? 1, Math.min(s.maximum ?? 1, 1));
    case 'boolean':
      return true;
    case 'string':
      return sampleString(s, hints, name);
    default:
      return 'sample';
  }
}

function sampleString(s: Schema, hints: SampleHints, name: string): string {
  const nowMs = hints.nowMs ?? Date.now();
  switch (s.format) {
    case 'uuid':
      return '00000000-0000-4000-8000-000000000001';
    case 'email':
      return 'someone@example.com';
    case 'date-time':
      return new Date(/^(to|until|end)/i.test(name) ? nowMs + 3_600_000 : nowMs).toISOString();
    case 'uri':
    case 'url':
      return 'https://example.com/';
  }
  const text = /url/i.test(name) ? 'https://example.com/' : 'sample';
  return text.padEnd(s.minLength ?? 0, 'x').slice(0, s.maxLength ?? text.length);
}

function mergeAllOf(parts: Schema[], document: OpenApiDocument): Schema {
  const resolved = parts.map((part) => resolve(part, document)).map((part) => (part.allOf ? mergeAllOf(part.allOf, document) : part));
  return {
    type: 'object',
    properties: Object.assign({}, ...resolved.map((part) => part.properties ?? {})),
    required: resolved.flatMap((part) => part.required ?? []),
  };
}

/**
 * What is wrong with `value` as an instance of `schema`; empty when nothing. Stricter than JSON
 * Schema in one way: a property the document does not list is an error, since an answer that
 * carries more than its entry says means the entry is out of date.
 */
export function schemaErrors(value: unknown, schema: Schema, document: OpenApiDocument, at = '$'): string[] {
  const s = resolve(schema, document);
  const variants = s.anyOf ?? s.oneOf;
  if (value === null && (s.nullable || s.type === undefined && !variants && !s.allOf)) return [];
  if (value === null && !variants) return [`${at}: null, but not nullable`];
  if (variants) {
    const each = variants.map((variant) => schemaErrors(value, variant, document, at));
    return each.some((errors) => errors.length === 0) ? [] : [`${at}: matches none of its ${variants.length} variants (${each.flat().join('; ')})`];
  }
  // Parts of an allOf (an extended object) are checked as one object, so that no part's
  // properties count as undocumented for another.
  if (s.allOf) return schemaErrors(value, mergeAllOf(s.allOf, document), document, at);
  if (s.enum && !s.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`];
  switch (s.type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${at}: not an object`];
      const record = value as Record<string, unknown>;
      const errors = (s.required ?? []).filter((key) => !(key in record)).map((key) => `${at}.${key}: required, missing`);
      for (const [key, item] of Object.entries(record)) {
        const property = s.properties?.[key] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
        if (property) errors.push(...schemaErrors(item, property, document, `${at}.${key}`));
        else if (s.additionalProperties === false || s.properties) errors.push(`${at}.${key}: not in the document`);
      }
      return errors;
    }
    case 'array':
      return Array.isArray(value) ? value.flatMap((item, i) => schemaErrors(item, s.items ?? {}, document, `${at}.${i}`)) : [`${at}: not an array`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${at}: ${JSON.stringify(value)} is not an integer`];
    case 'number':
      return typeof value === 'number' ? [] : [`${at}: ${JSON.stringify(value)} is not a number`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at}: ${JSON.stringify(value)} is not a boolean`];
    case 'string': {
      if (typeof value !== 'string') return [`${at}: ${JSON.stringify(value)} is not a string`];
      if (s.format === 'date-time' && Number.isNaN(Date.parse(value))) return [`${at}: '${value}' is not a date-time`];
      if (s.format === 'uuid' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) return [`${at}: '${value}' is not a uuid`];
      return [];
    }
    default:
      return [];
  }
}
