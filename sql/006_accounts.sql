-- Accounts and who may do what in which site (functions/api/auth/).
--
-- People sign up with an e-mail and a password; a site's members have a role in it (viewer,
-- operator, admin). Programs use API tokens, optionally limited to one site and a lower role.
-- Accounts are not a tenant's rows: a user may belong to several sites, so user_account and
-- api_token carry no site_id, and every query that reaches a site's data goes through
-- site_member.

create table user_account (
  id             uuid primary key default gen_random_uuid(),
  email          text not null,
  name           text,
  -- scrypt$N$r$p$salt$hash (functions/api/auth/passwords.ts): the cost travels with the hash,
  -- so it can be raised without invalidating older hashes.
  password_hash  text not null,
  created_at     timestamptz not null default now()
);
-- E-mail addresses are matched case-insensitively: Alice@Example.com and alice@example.com are
-- one account.
create unique index user_account_email_idx on user_account (lower(email));

create table site_member (
  site_id     uuid not null references site (id) on delete cascade,
  user_id     uuid not null references user_account (id) on delete cascade,
  role        text not null check (role in ('viewer', 'operator', 'admin')),
  created_at  timestamptz not null default now(),
  primary key (site_id, user_id)
);
-- "My sites": the sites of one user.
create index site_member_user_idx on site_member (user_id);

-- The token itself is shown once, when it is made; only its SHA-256 is kept, so a copy of this
-- table lets nobody in. A token is 32 random bytes, so a plain hash (no salt, no slow KDF) is
-- enough: there is nothing to guess from a dictionary.
create table api_token (
  id            uuid primary key default gen_random_uuid(),
  user_id       uuid not null references user_account (id) on delete cascade,
  name          text not null,
  token_hash    bytea not null unique,
  -- Both or neither: a token limited to one site, with at most this role there.
  site_id       uuid references site (id) on delete cascade,
  role          text check (role in ('viewer', 'operator', 'admin')),
  created_at    timestamptz not null default now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz,
  check ((site_id is null) = (role is null))
);
create index api_token_user_idx on api_token (user_id, created_at, id);

-- Failed log-ins, counted per e-mail and per client address over a sliding window, so that
-- guessing passwords is slow from one place and for one account, whichever Lambda instance
-- answers. Rows older than the window are deleted as new failures arrive.
create table login_failure (
  id      bigint generated always as identity primary key,
  -- Lower case, as typed at log-in (the account may not exist).
  email   text not null,
  client  text not null,
  at      timestamptz not null
);
create index login_failure_email_idx on login_failure (email, at);
create index login_failure_client_idx on login_failure (client, at);
