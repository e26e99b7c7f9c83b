-- The shared thesaurus (SKOS): concept schemes, concepts, their labels and relations, and the
-- subjects of publications.

create table concept_scheme (
    id bigint generated always as identity primary key,
    uri text not null unique check (uri ~ '^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>"]+$'),
    slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    title text not null check (length(btrim(title)) between 1 and 300),
    description text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create type concept_status as enum ('candidate', 'validated', 'deprecated');

create table concept (
    id bigint generated always as identity primary key,
    uri text not null unique check (uri ~ '^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>"]+$'),
    scheme_id bigint not null references concept_scheme (id) on delete cascade,
    notation text check (length(btrim(notation)) between 1 and 50),
    definition text,
    scope_note text,
    -- A top concept of its scheme (skos:topConceptOf).
    is_top boolean not null default false,
    status concept_status not null default 'validated',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create index concept_scheme_id on concept (scheme_id);
create index concept_notation on concept (notation);

create type label_kind as enum ('pref', 'alt', 'hidden');

create table concept_label (
    concept_id bigint not null references concept (id) on delete cascade,
    kind label_kind not null,
    language text not null check (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$'),
    label text not null check (length(btrim(label)) between 1 and 500),
    primary key (concept_id, kind, language, label)
);

-- SKOS: at most one preferred label per language.
create unique index concept_label_one_pref on concept_label (concept_id, language) where kind = 'pref';

create table concept_broader (
    concept_id bigint not null references concept (id) on delete cascade,
    broader_id bigint not null references concept (id) on delete cascade,
    primary key (concept_id, broader_id),
    check (concept_id <> broader_id)
);

create index concept_broader_broader on concept_broader (broader_id);

-- Symmetric: stored once, smaller id first.
create table concept_related (
    concept_a bigint not null references concept (id) on delete cascade,
    concept_b bigint not null references concept (id) on delete cascade,
    primary key (concept_a, concept_b),
    check (concept_a < concept_b)
);

create type match_kind as enum ('exact', 'close', 'broad', 'narrow', 'related');

create table concept_match (
    concept_id bigint not null references concept (id) on delete cascade,
    kind match_kind not null,
    uri text not null check (uri ~ '^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>"]+$'),
    primary key (concept_id, kind, uri)
);

create table publication_subject (
    publication_id uuid not null references publication (id) on delete cascade,
    concept_id bigint not null references concept (id) on delete cascade,
    primary key (publication_id, concept_id)
);

create index publication_subject_concept on publication_subject (concept_id);

-- Bumped by every change to the vocabulary, in the same transaction: running servers poll it
-- and rebuild their in-memory snapshot when it moves.
create table thesaurus_revision (
    singleton boolean primary key default true check (singleton),
    revision bigint not null default 0,
    changed_at timestamptz not null default now()
);

insert into thesaurus_revision default values;
