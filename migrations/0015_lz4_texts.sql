-- Long texts are compressed with LZ4 instead of pglz (values written from now on; older ones
-- stay readable as stored). pglz took most of a bulk import's database time on long bodies,
-- on the cores that searches use, and LZ4 is faster to read back when the index loads them
-- (BENCHMARKS.md, "Indexing pauses for searches"). A server built without LZ4 keeps pglz.
do $$
begin
    alter table publication alter column body set compression lz4;
    alter table file alter column extracted_text set compression lz4;
exception when feature_not_supported then
    raise notice 'LZ4 indisponible : les textes longs restent compressés par pglz';
end
$$;
