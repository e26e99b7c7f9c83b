-- The public lists (`/publications`, an observatory's, an OPCO's, a branch's) are answered by
-- the search index since version 9 of its schema (src/search/listing.rs): the indexes that
-- served their SQL would only slow every write down. The newest publications of the home page
-- keep `publication_published_by_date`.
drop index publication_published_by_title;
drop index publication_published_observatory;
drop index publication_published_words;
drop function publication_words(text, text, text[]);
