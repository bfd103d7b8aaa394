/**
 * Pieces every route's OpenAPI entry shares: JSON bodies, the error answers (the shape
 * errors.ts writes) and the bearer security requirement. Errors are thrown as `ApiError` rather
 * than returned, so listing them here is what puts them in the document.
 *
 * @example
 * responses: { 200: json(siteSchema, 'The site'), ...errors(401, 404) },
 * security: bearerAuth,
 */
import { z } from '@hono/zod-openapi';
import { STATUSES } from '#core/status.ts';
import { ROLES } from './auth/roles.ts';

export const errorSchema = z.object({
  error: z.object({
    code: z.string().openapi({ example: 'invalid_request' }),
    message: z.string(),
    fields: z.array(z.object({ path: z.string().openapi({ example: 'query.limit' }), message: z.string() })).optional()
      .openapi({ description: 'Every bad field of the request, when it was not valid' }),
  }),
}).openapi('Error');

/** A JSON body (request or response) with its description. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

const ERROR_DESCRIPTIONS = {
  400: 'The request is not valid: every bad field is listed',
  401: 'No valid session or API token',
  403: 'Your role in the site is not enough for this',
  404: 'Not found, or in a site you have no role in',
  409: 'In conflict with what exists',
  422: 'Understood, but refused: see the message',
  429: 'Too many attempts: wait for Retry-After seconds',
} as const;

type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** The error answers a route gives, for its `responses`. */
export function errors<S extends ErrorStatus>(...statuses: S[]) {
  return Object.fromEntries(statuses.map((status) => [status, json(errorSchema, ERROR_DESCRIPTIONS[status])])) as Record<S, ReturnType<typeof json<typeof errorSchema>>>;
}

/** `security` of a route that needs `Authorization: Bearer <token>`. */
export const bearerAuth = [{ bearer: [] }];

/**
 * A UUID path parameter. Any 8-4-4-4-12 hex id is accepted, as PostgreSQL's uuid type accepts it
 * (z.uuid() would also demand an RFC 9562 version and variant).
 */
export const uuidParam = (description: string) => z.guid().openapi({ description });

/** A time, ISO 8601: answers write UTC (`Z`); requests may give any offset. */
export const isoTime = z.iso.datetime({ offset: true });

/** A time as answers write it. */
export const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);

/** Status names, in Bergamot's order (functions/core/status.ts). */
export const statusNameSchema = z.enum(STATUSES);

export const roleSchema = z.enum(ROLES).openapi({ description: 'viewer reads; operator also runs, acknowledges and schedules downtime; admin also configures and manages members' });
