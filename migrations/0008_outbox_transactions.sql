-- Each outbox row records the transaction that wrote it, so that an indexer can tell the rows
-- it has seen from those of transactions still in progress when it last looked. Identity ids
-- are handed out in one order and committed in another: a cursor on `id` skipped the rows of a
-- transaction that committed after a later one. The transaction id is the 64-bit one
-- (epoch-extended, never wraps around), kept as bigint: 2^63 transactions is out of reach.
alter table search_outbox
    add column txid bigint not null default (pg_current_xact_id()::text::bigint);

create index search_outbox_txid on search_outbox (txid);
