/**
 * Who is calling, and what they may do in a site: the API's {@link Authenticator} over the
 * accounts in PostgreSQL. A bearer token is either an API token (`vgl_...`, looked up by its
 * hash) or a session JWT (checked by signature, no database read). A caller's role in a site is
 * its membership's, lowered to a token's scope when the token has one; a token limited to one
 * site has no role in any other.
 *
 * The authenticator also issues sessions and hashes passwords, so the log-in route signs with the
 * very secret the authenticator verifies with.
 *
 * @example
 * const auth = createAuthenticator(db, { jwtSecret: process.env.JWT_SECRET!, clock: systemClock });
 * const principal = await auth.authenticate(token);
 * const role = principal && (await auth.roleIn(principal, siteId));
 */
import type { Clock } from '#ports/clock.ts';
import type { Queryable } from '#store/database.ts';
import type { Authenticator, Principal, Role } from '../deps.ts';
import { memberRole } from './accounts.ts';
import { findTokenOwner, isApiToken } from './api-tokens.ts';
import { passwordHasher, type PasswordHasher, type ScryptCost } from './passwords.ts';
import { effectiveRole } from './roles.ts';
import { checkJwtSecret, issueSession, verifySession, type Session, type SessionClaims } from './sessions.ts';

export interface AuthenticatorOptions {
  /** The HS256 key for session tokens, at least 32 bytes. */
  jwtSecret: string;
  clock: Clock;
  /**
   * How passwords are hashed.
   * @defaultValue SCRYPT_COST (passwords.ts)
   */
  passwordCost?: ScryptCost;
}

/** The authenticator the accounts routes need: it also starts sessions and hashes passwords. */
export interface AccountAuthenticator extends Authenticator {
  issueSession(user: SessionClaims): Promise<Session>;
  passwords: PasswordHasher;
}

export function createAuthenticator(db: Queryable, options: AuthenticatorOptions): AccountAuthenticator {
  const { jwtSecret, clock } = options;
  checkJwtSecret(jwtSecret);
  return {
    async authenticate(token: string): Promise<Principal | null> {
      if (isApiToken(token)) {
        const owner = await findTokenOwner(db, token, clock.nowMs());
        if (!owner) return null;
        return {
          userId: owner.userId,
          email: owner.email,
          via: 'token',
          ...(owner.siteId && owner.role ? { tokenScope: { siteId: owner.siteId, role: owner.role } } : {}),
        };
      }
      const claims = await verifySession(token, jwtSecret, clock);
      return claims ? { userId: claims.userId, email: claims.email, via: 'session' } : null;
    },

    async roleIn(principal: Principal, siteId: string): Promise<Role | null> {
      const scope = principal.tokenScope;
      if (scope && scope.siteId !== siteId) return null;
      const role = await memberRole(db, principal.userId, siteId);
      return role ? effectiveRole(principal, role) : null;
    },

    issueSession: (user) => issueSession(user, jwtSecret, clock),
    passwords: passwordHasher(options.passwordCost),
  };
}

/**
 * The accounts routes' authenticator. They sign sessions, so they need the one from
 * {@link createAuthenticator}; wiring them with another is a mistake found when the app is built.
 */
export function accountAuthenticator(auth: Authenticator): AccountAuthenticator {
  if (typeof (auth as Partial<AccountAuthenticator>).issueSession !== 'function') {
    throw new TypeError('the accounts routes need the authenticator made by createAuthenticator (it issues sessions)');
  }
  return auth as AccountAuthenticator;
}
