/**
 * Errors as the API answers them: `{ error: { code, message, fields? } }` with the HTTP status.
 * Validation errors list every bad field at once (`fields: [{ path: 'threshold', message }]`),
 * so a client fixes a request in one go.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';

export interface FieldError {
  /** Dotted path into the body, query or parameters: `checks.0.name`. */
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly fields?: FieldError[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const forbidden = (message = 'you do not have the role this needs in this site') => new ApiError(403, 'forbidden', message);
export const unauthorized = (message = 'log in, or send an API token as "Authorization: Bearer <token>"') => new ApiError(401, 'unauthorized', message);

export function fieldErrors(error: ZodError, prefix?: string): FieldError[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((part) => part !== undefined && part !== '').join('.') || '(body)',
    message: issue.message,
  }));
}

export function errorResponse(c: Context, error: ApiError) {
  return c.json({ error: { code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) } }, error.status);
}
