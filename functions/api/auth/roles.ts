/**
 * Roles in a site, from least to most: a viewer reads; an operator also runs checks,
 * acknowledges and schedules downtime; an admin also applies configuration and manages members.
 */
import type { Role } from '../deps.ts';

export const ROLES = ['viewer', 'operator', 'admin'] as const satisfies readonly Role[];

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

/** The lesser of two roles: what a token limited to `cap` may do with its owner's `role`. */
export function lesserRole(role: Role, cap: Role): Role {
  return RANK[role] <= RANK[cap] ? role : cap;
}
