/** GET /api/v1/health: no authentication; what load balancers and the quickstart's checks look at. */
import { createRoute, z } from '@hono/zod-openapi';
import type { RouteModule } from '../app.ts';

const health = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Whether the API is up',
  responses: {
    200: { description: 'Up', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } },
  },
});

export const healthRoutes: RouteModule = (router) => {
  router.openapi(health, (c) => c.json({ status: 'ok' as const }, 200));
};
