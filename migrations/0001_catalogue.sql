-- The catalogue: the OPCO, observatories, branches, publications and their files.
-- Constraints live here so that no code path, present or future, can store a wrong value.

create table opco (
    slug text primary key check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name text not null unique,
    sector text not null,
    website text check (website ~ '^https://'),
    position smallint not null unique
);

-- The 11 opérateurs de compétences approved in 2019.
insert into opco (slug, name, sector, website, position) values
    ('afdas', 'Afdas', 'Culture, industries créatives, médias, communication, télécommunications, sport, tourisme, loisirs et divertissement', 'https://www.afdas.com', 1),
    ('atlas', 'Opco Atlas', 'Services financiers et conseil', 'https://www.opco-atlas.fr', 2),
    ('uniformation', 'Uniformation', 'Cohésion sociale', 'https://www.uniformation.fr', 3),
    ('opco-2i', 'OPCO 2i', 'Interindustriel', 'https://www.opco2i.fr', 4),
    ('opco-construction', 'Constructys', 'Construction', 'https://www.constructys.fr', 5),
    ('opco-mobilites', 'OPCO Mobilités', 'Mobilités', 'https://www.opcomobilites.fr', 6),
    ('ocapiat', 'Ocapiat', 'Coopération agricole, agriculture, pêche, industrie agroalimentaire et territoires', 'https://www.ocapiat.fr', 7),
    ('akto', 'Akto', 'Services à forte intensité de main-d''œuvre', 'https://www.akto.fr', 8),
    ('opco-ep', 'OPCO EP', 'Entreprises de proximité', 'https://www.opcoep.fr', 9),
    ('opco-sante', 'OPCO Santé', 'Santé', 'https://www.opco-sante.fr', 10),
    ('opcommerce', 'L''Opcommerce', 'Commerce', 'https://www.lopcommerce.com', 11);

create table region (
    code text primary key check (code ~ '^[0-9]{2}$'),
    name text not null unique
);

-- INSEE codes of the 18 regions (since 2016).
insert into region (code, name) values
    ('01', 'Guadeloupe'), ('02', 'Martinique'), ('03', 'Guyane'), ('04', 'La Réunion'),
    ('06', 'Mayotte'), ('11', 'Île-de-France'), ('24', 'Centre-Val de Loire'),
    ('27', 'Bourgogne-Franche-Comté'), ('28', 'Normandie'), ('32', 'Hauts-de-France'),
    ('44', 'Grand Est'), ('52', 'Pays de la Loire'), ('53', 'Bretagne'),
    ('75', 'Nouvelle-Aquitaine'), ('76', 'Occitanie'), ('84', 'Auvergne-Rhône-Alpes'),
    ('93', 'Provence-Alpes-Côte d''Azur'), ('94', 'Corse');

create table document_type (
    slug text primary key check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    label text not null unique,
    position smallint not null unique
);

insert into document_type (slug, label, position) values
    ('etude', 'Étude', 1),
    ('enquete', 'Enquête', 2),
    ('diagnostic', 'Diagnostic', 3),
    ('portrait-de-branche', 'Portrait ou panorama de branche', 4),
    ('cartographie-des-metiers', 'Cartographie des métiers', 5),
    ('fiche-metier', 'Fiche métier', 6),
    ('referentiel-activites-competences', 'Référentiel d''activités et de compétences', 7),
    ('referentiel-certification', 'Référentiel de certification', 8),
    ('tableau-de-bord', 'Tableau de bord / chiffres clés', 9),
    ('etude-prospective', 'Étude prospective (EDEC, CEP)', 10),
    ('synthese', 'Synthèse', 11),
    ('rapport-activite', 'Rapport d''activité', 12),
    ('base-de-donnees', 'Base de données', 13),
    ('autre', 'Autre', 14);

create table observatory (
    id uuid primary key default gen_random_uuid(),
    slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 120),
    name text not null unique check (length(btrim(name)) between 1 and 300),
    acronym text check (length(btrim(acronym)) between 1 and 30),
    -- null: an interbranch observatory, attached to no single OPCO.
    opco_slug text references opco (slug),
    website text check (website ~ '^https?://'),
    description text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create index observatory_opco on observatory (opco_slug);

create table branch (
    idcc text primary key check (idcc ~ '^[0-9]{4}$'),
    name text not null check (length(btrim(name)) between 1 and 300),
    opco_slug text not null references opco (slug)
);

create index branch_opco on branch (opco_slug);

create type publication_status as enum ('draft', 'submitted', 'published', 'withdrawn');

create table publication (
    id uuid primary key default gen_random_uuid(),
    -- The identifier in the depositor's own system; imports upsert on it.
    external_id text unique check (length(btrim(external_id)) between 1 and 200),
    slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 120),
    title text not null check (length(btrim(title)) between 1 and 500),
    subtitle text check (length(subtitle) <= 500),
    abstract text check (length(abstract) <= 20000),
    -- Full text given with the record itself (imports without a file): searched, not shown.
    body text check (length(body) <= 10000000),
    document_type text not null references document_type (slug),
    observatory_id uuid not null references observatory (id),
    partners text[] not null default '{}',
    published_on date check (published_on between '1950-01-01' and '2100-12-31'),
    period_start smallint check (period_start between 1900 and 2100),
    period_end smallint check (period_end between 1900 and 2100),
    keywords text[] not null default '{}',
    source_url text check (source_url ~ '^https?://'),
    language text not null default 'fr' check (language ~ '^[a-z]{2}$'),
    licence text,
    status publication_status not null default 'draft',
    withdrawn_reason text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check (period_end >= period_start),
    check (status <> 'published' or published_on is not null),
    check (status <> 'withdrawn' or length(btrim(withdrawn_reason)) > 0)
);

create index publication_observatory on publication (observatory_id);
create index publication_type on publication (document_type);
create index publication_status_date on publication (status, published_on desc);

create table publication_branch (
    publication_id uuid not null references publication (id) on delete cascade,
    idcc text not null references branch (idcc),
    primary key (publication_id, idcc)
);

create index publication_branch_idcc on publication_branch (idcc);

create table publication_rome (
    publication_id uuid not null references publication (id) on delete cascade,
    -- ROME 4.0: a grand domaine letter (A to N) and four digits.
    rome_code text not null check (rome_code ~ '^[A-N][0-9]{4}$'),
    primary key (publication_id, rome_code)
);

create index publication_rome_code on publication_rome (rome_code);

-- No row: the publication covers the whole country.
create table publication_region (
    publication_id uuid not null references publication (id) on delete cascade,
    region_code text not null references region (code),
    primary key (publication_id, region_code)
);

create index publication_region_code on publication_region (region_code);

create type extraction_status as enum ('pending', 'done', 'failed', 'unsupported');

create table file (
    id uuid primary key default gen_random_uuid(),
    publication_id uuid not null references publication (id) on delete cascade,
    original_name text not null check (length(original_name) between 1 and 255),
    media_type text not null check (media_type ~ '^[a-z]+/[a-z0-9.+-]+$'),
    size_bytes bigint not null check (size_bytes >= 0),
    sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    -- Derived from the content hash, never from a name the user gave.
    storage_key text not null,
    extraction_status extraction_status not null default 'pending',
    extraction_error text,
    extracted_text text,
    page_count integer check (page_count >= 0),
    position smallint not null default 0,
    created_at timestamptz not null default now()
);

create index file_publication on file (publication_id, position);
create index file_sha256 on file (sha256);
