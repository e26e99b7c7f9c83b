-- Search: the outbox that tells every server's indexer which publications to index again,
-- and the queries that found nothing, for the thesaurus editors.

create table search_outbox (
    id bigint generated always as identity primary key,
    publication_id uuid not null,
    created_at timestamptz not null default now()
);

create index search_outbox_created on search_outbox (created_at);

-- Triggers, so that no write path can forget: whatever changes what search sees adds a row in
-- the same transaction as the change.
create function search_outbox_publication() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        insert into search_outbox (publication_id) values (old.id);
        return old;
    end if;
    insert into search_outbox (publication_id) values (new.id);
    return new;
end $$;

create trigger publication_search_outbox
    after insert or update or delete on publication
    for each row execute function search_outbox_publication();

-- For the tables that hang off a publication.
create function search_outbox_child() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        insert into search_outbox (publication_id) values (old.publication_id);
        return old;
    end if;
    insert into search_outbox (publication_id) values (new.publication_id);
    if tg_op = 'UPDATE' and old.publication_id <> new.publication_id then
        insert into search_outbox (publication_id) values (old.publication_id);
    end if;
    return new;
end $$;

create trigger publication_branch_search_outbox
    after insert or update or delete on publication_branch
    for each row execute function search_outbox_child();
create trigger publication_rome_search_outbox
    after insert or update or delete on publication_rome
    for each row execute function search_outbox_child();
create trigger publication_region_search_outbox
    after insert or update or delete on publication_region
    for each row execute function search_outbox_child();
create trigger publication_subject_search_outbox
    after insert or update or delete on publication_subject
    for each row execute function search_outbox_child();
create trigger file_search_outbox
    after insert or update or delete on file
    for each row execute function search_outbox_child();

-- An observatory's name or OPCO is indexed with each of its publications.
create function search_outbox_observatory() returns trigger language plpgsql as $$
begin
    if (old.name, old.slug, old.opco_slug) is distinct from (new.name, new.slug, new.opco_slug) then
        insert into search_outbox (publication_id)
        select id from publication where observatory_id = new.id;
    end if;
    return new;
end $$;

create trigger observatory_search_outbox
    after update on observatory
    for each row execute function search_outbox_observatory();

create table zero_result_query (
    id bigint generated always as identity primary key,
    query text not null check (length(query) <= 500),
    filters text not null default '' check (length(filters) <= 2000),
    searched_at timestamptz not null default now()
);

create index zero_result_query_searched on zero_result_query (searched_at desc);
