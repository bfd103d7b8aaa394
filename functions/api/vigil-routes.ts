/**
 * Every route module of Vigil's REST API, in the order their routes are matched. The app
 * (app.ts) is built from this list wherever it runs: Lambda (handlers/api.ts), `npm start`, and
 * the tests, which walk the OpenAPI document it produces.
 */
import type { RouteModule } from './app.ts';
import { actionRoutes } from './routes/actions.ts';
import { authRoutes } from './routes/auth.ts';
import { checkRoutes } from './routes/checks.ts';
import { configurationRoutes } from './routes/configuration.ts';
import { groupRoutes } from './routes/groups.ts';
import { healthRoutes } from './routes/health.ts';
import { metricRoutes } from './routes/metrics.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { objectRoutes } from './routes/objects.ts';
import { passiveRoutes } from './routes/passive.ts';
import { siteRoutes } from './routes/sites.ts';
import { uptimeRoutes } from './routes/uptime.ts';

export const apiRoutes: RouteModule[] = [
  healthRoutes, authRoutes, siteRoutes, groupRoutes, checkRoutes, objectRoutes,
  actionRoutes, configurationRoutes, passiveRoutes, uptimeRoutes, notificationRoutes, metricRoutes,
];
