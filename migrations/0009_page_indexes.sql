-- Pages stay fast as the library grows (measured at 20,000 publications, see BENCHMARKS.md).

-- The public lists, newest first or by title, in the exact order of their queries: a page,
-- however deep, is read from the index instead of sorting every published publication.
create index publication_published_by_date
    on publication (published_on desc nulls last, title, id) where status = 'published';
create index publication_published_by_title
    on publication (title, published_on desc nulls last, id) where status = 'published';

-- A list of one observatory or OPCO, and its count, from this index alone.
create index publication_published_observatory
    on publication (observatory_id, published_on desc nulls last, title, id)
    where status = 'published';

-- The admin list: last changed first.
create index publication_updated on publication (updated_at desc, id);

-- The words of `/publications?q=` (title, abstract, keywords), indexed: computing them for
-- every row took seconds at 20,000 publications. `array_to_string` is only stable in
-- general (it calls the element type's output function); for text[] it is immutable, which
-- this function states so that an index may use it.
create function publication_words(title text, abstract text, keywords text[])
returns tsvector
language sql immutable parallel safe
return to_tsvector('french'::regconfig,
                   title || ' ' || coalesce(abstract, '') || ' ' || array_to_string(keywords, ' '));

create index publication_published_words on publication
    using gin (publication_words(title, abstract, keywords)) where status = 'published';
