-- Accounts and the admin side: users with a role, their sessions, failed logins for
-- throttling, review per observatory, file versions, and the audit log of every admin write.

create type user_role as enum ('admin', 'editor');

create table app_user (
    id uuid primary key default gen_random_uuid(),
    -- Stored as typed once lowercased and trimmed, so that the unique constraint is the login.
    email text not null unique
        check (email = lower(btrim(email)) and email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' and length(email) <= 254),
    password_hash text not null check (password_hash like '$argon2id$%'),
    role user_role not null,
    -- An editor works for one observatory; an admin for the whole library.
    observatory_id uuid references observatory (id),
    disabled_at timestamptz,
    created_at timestamptz not null default now(),
    check ((role = 'editor') = (observatory_id is not null))
);

create table user_session (
    -- SHA-256 of the cookie's random token: a stolen database does not give live sessions.
    token_hash text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
    user_id uuid not null references app_user (id) on delete cascade,
    csrf_token text not null check (length(csrf_token) >= 32),
    created_at timestamptz not null default now(),
    last_seen_at timestamptz not null default now()
);

create index user_session_user on user_session (user_id);

create table login_failure (
    id bigint generated always as identity primary key,
    email text not null check (length(email) <= 320),
    address text not null check (length(address) <= 64),
    failed_at timestamptz not null default now()
);

create index login_failure_email on login_failure (email, failed_at);
create index login_failure_address on login_failure (address, failed_at);

-- When set, the observatory's editors submit their publications and an admin publishes them.
alter table observatory add column review_required boolean not null default false;

-- A replaced file stays downloadable from the record's history; only current files are shown
-- with the record and indexed.
alter table file add column replaced_at timestamptz;
alter table file add column replaced_by uuid references file (id) on delete set null;
create index file_current on file (publication_id, position) where replaced_at is null;

alter table publication add column created_by uuid references app_user (id);

create table audit_event (
    id bigint generated always as identity primary key,
    at timestamptz not null default now(),
    -- null for writes from the command line (imports run by the operator).
    user_id uuid references app_user (id),
    actor text not null check (length(actor) between 1 and 320),
    action text not null check (action ~ '^[a-z]+(\.[a-z_]+)+$'),
    -- No foreign key: the trace of a deleted draft must survive it.
    publication_id uuid,
    subject text not null default '' check (length(subject) <= 600),
    detail jsonb not null default '{}'
);

create index audit_event_at on audit_event (at desc);
create index audit_event_publication on audit_event (publication_id, at desc);
