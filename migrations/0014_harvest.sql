-- Harvesting: the sites an observatory already publishes on, what each pass found there, and
-- the duplicates an admin has to look at.

create type harvest_kind as enum ('oai-pmh', 'feed', 'sitemap', 'page');

create table harvest_source (
    id bigint generated always as identity primary key,
    kind harvest_kind not null,
    url text not null check (url ~ '^https?://' and length(url) <= 2000),
    name text not null check (length(btrim(name)) between 1 and 300),
    observatory_id uuid not null references observatory (id),
    -- OAI-PMH only: the set to harvest.
    set_spec text check (length(btrim(set_spec)) between 1 and 200),
    -- New records go to the review queue instead of being published.
    review boolean not null default false,
    created_at timestamptz not null default now(),
    -- A removed source is harvested no more; its records stay, marked as no longer harvested.
    removed_at timestamptz,
    -- The next pass is due then (an admin's "run now" sets it to now()).
    due_at timestamptz not null default now(),
    -- The last pass: when, what it counted, why it failed.
    last_started_at timestamptz,
    last_finished_at timestamptz,
    last_counts jsonb,
    last_error text,
    -- Conditional request for the source's own document (feed, sitemap, listing page).
    etag text,
    last_modified text,
    -- OAI-PMH: the `from` of the next incremental pass, in the repository's granularity.
    oai_from text,
    check (set_spec is null or kind = 'oai-pmh')
);

-- One live source per address (and set): adding it twice is a mistake.
create unique index harvest_source_live on harvest_source (kind, url, coalesce(set_spec, ''))
    where removed_at is null;

-- One record of a source, keyed by the source's own identifier (OAI identifier, feed item id,
-- page address, PDF address).
create table harvested_record (
    source_id bigint not null references harvest_source (id) on delete cascade,
    remote_id text not null check (length(remote_id) between 1 and 2000),
    publication_id uuid references publication (id) on delete set null,
    -- Another publication already had this record's file: the record only remembers this
    -- source on it, and never writes to it.
    duplicate boolean not null default false,
    landing_url text check (landing_url ~ '^https?://'),
    -- Conditional request for the landing page.
    etag text,
    last_modified text,
    -- SHA-256 of the record's metadata as harvested: the same hash next time is "unchanged".
    metadata_sha256 text not null check (metadata_sha256 ~ '^[0-9a-f]{64}$'),
    -- The file: where it came from, its validators, its content.
    file_url text,
    file_etag text,
    file_last_modified text,
    file_sha256 text check (file_sha256 ~ '^[0-9a-f]{64}$'),
    -- The values this source last wrote into the publication, field by field. A field whose
    -- value differs from it was edited by hand, and a later pass leaves it alone.
    written jsonb not null default '{}',
    first_seen_at timestamptz not null default now(),
    changed_at timestamptz not null default now(),
    -- The source withdrew it (OAI deleted record, page gone).
    withdrawn_at timestamptz,
    primary key (source_id, remote_id)
);

create index harvested_record_publication on harvested_record (publication_id);
create index harvested_record_file on harvested_record (source_id, file_sha256);

-- Titles compared without case, accents nor punctuation: "Portrait de la branche — 2024" and
-- "PORTRAIT DE LA BRANCHE 2024" are the same.
create function title_key(title text) returns text
language sql immutable parallel safe
return btrim(regexp_replace(lower(translate(title,
    'ÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸàâäáãåçéèêëíìîïñóòôöõúùûüýÿ',
    'AAAAAACEEEEIIIINOOOOOUUUUYYaaaaaaceeeeiiiinooooouuuuyy')), '[^a-z0-9]+', ' ', 'g'));

create index publication_title_key on publication (title_key(title));

-- The same study probably found twice with different files: shown to an admin, who says
-- whether it is the same study (the later one is withdrawn) or two distinct ones.
create table probable_duplicate (
    -- The publication found later, and the one it resembles.
    publication_id uuid not null references publication (id) on delete cascade,
    other_id uuid not null references publication (id) on delete cascade,
    reason text not null,
    found_at timestamptz not null default now(),
    decision text check (decision in ('same', 'distinct')),
    decided_at timestamptz,
    decided_by text,
    primary key (publication_id, other_id),
    check (publication_id <> other_id),
    check ((decision is null) = (decided_at is null))
);

create index probable_duplicate_pending on probable_duplicate (found_at) where decision is null;

-- The fingerprint of a harvested file's extracted text (a 64-bit SimHash of its word
-- triples): two texts whose fingerprints differ by a few bits are nearly the same text.
create table file_fingerprint (
    file_id uuid primary key references file (id) on delete cascade,
    simhash bigint not null
);
