-- The familiar words (« bagnole » → automobile, voiture) that expansion searches beside their
-- standard words, saved by admins (`/admin/mots-familiers`, `bibliotheque thesaurus import
-- mots-familiers.tsv`) instead of compiled into the binary.
--
-- Kept as the table the editors wrote, not one row per word: it is a hand-written list with
-- its own comments and sections, and they read it back (`/thesaurus/mots-familiers.tsv`) to
-- edit it again. A save checks every line before it stores anything; the server reads the
-- text when it loads the thesaurus.
--
-- One row per save, the last one in force: the previous ones are there to be taken back (the
-- last 50 are kept). No row, or no text: the table shipped with the library (never replaced,
-- or given back). `version` orders the saves: servers reload their thesaurus snapshot when the
-- last one changes, and a page that edits the table saves only over the version it showed.
-- The thesaurus revision stays, since it would rebuild the search index, and the index holds
-- nothing of these words (they only widen queries).
create table familiar_words (
    version bigint generated always as identity primary key,
    source text,
    words integer not null check (words > 0),
    saved_at timestamptz not null default now(),
    saved_by text not null
);
