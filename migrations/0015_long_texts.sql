-- Long texts cost less to write (BENCHMARKS.md, "Indexing pauses for searches, long texts in
-- LZ4"): a bulk import of long bodies spent a third of its database time on them, on the
-- cores that searches use.

-- Compressed with LZ4 instead of pglz (values written from now on; older ones stay readable
-- as stored): pglz took most of that time, and LZ4 is also faster to read back when the
-- index loads them. A server built without LZ4 keeps pglz.
do $$
begin
    alter table publication alter column body set compression lz4;
    alter table file alter column extracted_text set compression lz4;
exception when feature_not_supported then
    raise notice 'LZ4 indisponible : les textes longs restent compressés par pglz';
end
$$;

-- The same limit of 10 million characters, but the characters are counted only when the
-- bytes could exceed it: counting them one by one was the next largest cost. A body of at
-- most that many bytes has at most that many characters (OR stops at its first true term).
alter table publication drop constraint publication_body_check;
alter table publication add constraint publication_body_check
    check (octet_length(body) <= 10000000 or length(body) <= 10000000);
