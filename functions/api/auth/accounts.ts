/**
 * Users and their memberships of sites (sql/006_accounts.sql). E-mail addresses are stored as
 * typed and matched case-insensitively, through the unique index on `lower(email)`.
 */
import type { Database, Queryable } from '#store/database.ts';
import type { Role } from '../deps.ts';

export interface User {
  id: string;
  email: string;
  name: string | null;
}

export interface UserWithHash extends User {
  passwordHash: string;
}

/** The PostgreSQL error code of a unique index refusing a row. */
const UNIQUE_VIOLATION = '23505';

/** Creates a user; null when the e-mail address already has an account. */
export async function createUser(sql: Queryable, user: { email: string; name: string | null; passwordHash: string }): Promise<User | null> {
  try {
    const [created] = await sql<User[]>`
      insert into user_account (email, name, password_hash)
      values (${user.email}, ${user.name}, ${user.passwordHash})
      returning id, email, name`;
    return created!;
  } catch (error) {
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) return null;
    throw error;
  }
}

export async function findUserByEmail(sql: Queryable, email: string): Promise<UserWithHash | undefined> {
  const [user] = await sql<UserWithHash[]>`
    select id, email, name, password_hash as "passwordHash"
    from user_account where lower(email) = lower(${email})`;
  return user;
}

export async function findUserById(sql: Queryable, userId: string): Promise<User | undefined> {
  const [user] = await sql<User[]>`select id, email, name from user_account where id = ${userId}`;
  return user;
}

export async function setPasswordHash(sql: Queryable, userId: string, passwordHash: string): Promise<void> {
  await sql`update user_account set password_hash = ${passwordHash} where id = ${userId}`;
}

/** The user's role in the site, or undefined when the user is not a member. */
export async function memberRole(sql: Queryable, userId: string, siteId: string): Promise<Role | undefined> {
  const [member] = await sql<{ role: Role }[]>`
    select role from site_member where site_id = ${siteId} and user_id = ${userId}`;
  return member?.role;
}

export interface Member extends User {
  role: Role;
}

/**
 * Gives a user a role in a site, or changes it. Refused (`last_admin`) when it would leave the
 * site without an admin, since nobody could then manage its members or its configuration. The
 * admins' rows are locked first, so two admins demoting each other at once cannot both succeed.
 */
export async function setMemberRole(db: Database, siteId: string, userId: string, role: Role): Promise<'added' | 'changed' | 'last_admin'> {
  return db.begin(async (tx) => {
    const admins = await tx<{ userId: string }[]>`
      select user_id as "userId" from site_member where site_id = ${siteId} and role = 'admin' for update`;
    const current = await memberRole(tx, userId, siteId);
    if (current === 'admin' && role !== 'admin' && admins.length === 1) return 'last_admin' as const;
    await tx`
      insert into site_member (site_id, user_id, role) values (${siteId}, ${userId}, ${role})
      on conflict (site_id, user_id) do update set role = excluded.role`;
    return current ? ('changed' as const) : ('added' as const);
  }) as Promise<'added' | 'changed' | 'last_admin'>;
}

/** One page of a site's members, by e-mail address; `emailKey` is the page key. */
export function listMembers(sql: Queryable, siteId: string, after: readonly [string, string] | undefined, limit: number) {
  return sql<(Member & { emailKey: string })[]>`
    select u.id, u.email, u.name, m.role, lower(u.email) as "emailKey"
    from site_member m join user_account u on u.id = m.user_id
    where m.site_id = ${siteId}
      and ${after ? sql`(lower(u.email), u.id) > (${after[0]}, ${after[1]}::uuid)` : sql`true`}
    order by lower(u.email), u.id
    limit ${limit + 1}`;
}

export interface MemberSite {
  id: string;
  name: string;
  summary: string | null;
  role: Role;
  createdAt: Date;
}

/**
 * The sites a user is a member of, by name, with the user's role; only `onlySiteId` when given
 * (a token limited to one site sees no other). A page after `after` (name, id) of `limit` + 1
 * rows when `limit` is given, every site otherwise.
 */
export function memberSites(
  sql: Queryable,
  userId: string,
  options: { onlySiteId?: string | undefined; after?: readonly [string, string] | undefined; limit?: number } = {},
) {
  const { onlySiteId, after, limit } = options;
  return sql<MemberSite[]>`
    select s.id, s.name, s.summary, m.role, s.created_at as "createdAt"
    from site_member m join site s on s.id = m.site_id
    where m.user_id = ${userId}
      and ${onlySiteId ? sql`s.id = ${onlySiteId}` : sql`true`}
      and ${after ? sql`(s.name, s.id) > (${after[0]}, ${after[1]}::uuid)` : sql`true`}
    order by s.name, s.id
    ${limit === undefined ? sql`` : sql`limit ${limit + 1}`}`;
}
