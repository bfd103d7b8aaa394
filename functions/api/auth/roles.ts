/**
 * Roles in a site, from least to most: a viewer reads; an operator also runs checks,
 * acknowledges and schedules downtime; an admin also applies configuration and manages members.
 */
import type { Principal, Role } from '../deps.ts';

export const ROLES = ['viewer', 'operator', 'admin'] as const satisfies readonly Role[];

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

/** What the principal may do with its `role` as a member: a token limited to a role is capped at it. */
export function effectiveRole(principal: Principal, role: Role): Role {
  const cap = principal.tokenScope?.role;
  return cap && RANK[cap] < RANK[role] ? cap : role;
}
