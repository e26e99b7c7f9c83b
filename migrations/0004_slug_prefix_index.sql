-- Finding the free slug for a new publication looks up every slug that starts with the base
-- ("etude-emploi", "etude-emploi-2"…). In byte order, those are a range, which this index
-- serves; without it each insert read the whole table.
create index publication_slug_bytes on publication (slug collate "C");
