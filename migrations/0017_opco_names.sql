-- An OPCO's name is searched for in its observatories' studies (the index's publisher keys,
-- schema 11): renaming it must reindex them, as renaming an observatory does (0013).
create function opco_touch_publications() returns trigger language plpgsql as $$
begin
    if old.name is distinct from new.name then
        update publication set updated_at = clock_timestamp()
            where first_published_at is not null
              and observatory_id in (select id from observatory where opco_slug = new.slug);
    end if;
    return null;
end $$;

create trigger opco_touch_publications
    after update on opco
    for each row execute function opco_touch_publications();
