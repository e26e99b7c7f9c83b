-- The familiar words (« bagnole » → automobile, voiture) that expansion searches beside their
-- standard words, imported by editors (`bibliotheque thesaurus import mots-familiers.tsv`)
-- instead of compiled into the binary.
--
-- Kept as the table the editors wrote, not one row per word: it is a hand-written list with
-- its own comments and sections, and they read it back (`/thesaurus/mots-familiers.tsv`) to
-- edit it again. The import checks every line before it stores anything; the server reads
-- the text when it loads the thesaurus. No row, or no text: the table shipped with the library
-- (never replaced, or restored).
--
-- `version` moves at each save, restoring included: servers reload their thesaurus snapshot
-- when it does, and a page that edits the table saves only over the version it showed. The
-- thesaurus revision stays, since it would rebuild the search index, and the index holds
-- nothing of these words (they only widen queries).
create table familiar_words (
    singleton boolean primary key default true check (singleton),
    source text,
    version bigint not null default 1,
    imported_at timestamptz not null default now()
);
