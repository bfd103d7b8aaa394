/**
 * The one Hono app: the REST API under /api/v1 (with its OpenAPI document at
 * /api/v1/openapi.json) and the dashboard. The same app runs behind API Gateway in Lambda and
 * inside `npm start`. Route modules live in routes/ and each adds its routes to the router it is
 * given; what every route may rely on (authentication, site roles, field-level validation
 * errors) is in context.ts.
 */
import { HTTPException } from 'hono/http-exception';
import type { ApiDeps } from './deps.ts';
import { ApiError, errorResponse } from './errors.ts';
import { createRouter, type ApiApp } from './context.ts';

/** A route module: adds its routes (paths relative to /api/v1) to the router. */
export type RouteModule = (router: ApiApp, deps: ApiDeps) => void;

export interface AppOptions {
  /** The API's route modules. */
  routes: readonly RouteModule[];
  /** Mounts non-API content (the dashboard) on the app, at `/`. */
  mount?: (app: ApiApp) => void;
}

export const API_BASE = '/api/v1';

export function createApp(deps: ApiDeps, options: AppOptions): ApiApp {
  const app = createRouter();
  const api = createRouter();
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A session token from POST /api/v1/auth/login, or an API token',
  });
  for (const register of options.routes) register(api, deps);
  api.doc('/openapi.json', {
    openapi: '3.0.3',
    info: { title: 'Vigil API', version: '1', description: 'Monitoring: sites, checks, states, history, actions and configuration.' },
  });
  app.route(API_BASE, api);
  options.mount?.(app);

  app.onError((error, c) => {
    if (error instanceof ApiError) return errorResponse(c, error);
    if (error instanceof HTTPException) return errorResponse(c, new ApiError(error.status as 400, 'http_error', error.message));
    deps.log.error('API request failed', { method: c.req.method, path: c.req.path, reason: (error as Error).message });
    return errorResponse(c, new ApiError(500, 'internal', 'something went wrong on our side; it has been logged'));
  });
  app.notFound((c) => errorResponse(c, new ApiError(404, 'not_found', `no route ${c.req.method} ${c.req.path}`)));
  return app;
}
