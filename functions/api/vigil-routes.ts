/**
 * Every route module of Vigil's REST API, in the order their routes are matched. The app
 * (app.ts) is built from this list wherever it runs: Lambda (handlers/api.ts), `npm start`, and
 * the tests, which walk the OpenAPI document it produces.
 */
import type { RouteModule } from './app.ts';
import { authRoutes } from './routes/auth.ts';
import { checkRoutes } from './routes/checks.ts';
import { groupRoutes } from './routes/groups.ts';
import { healthRoutes } from './routes/health.ts';
import { objectRoutes } from './routes/objects.ts';
import { siteRoutes } from './routes/sites.ts';

export const apiRoutes: RouteModule[] = [healthRoutes, authRoutes, siteRoutes, groupRoutes, checkRoutes, objectRoutes];
