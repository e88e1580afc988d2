-- Live floor SSE cursor (issue 6): the id of the transaction that inserted each event.
-- PostgreSQL hands out `seq` values before commit, so a lower seq can become visible after a
-- higher one and ids taken by ON CONFLICT duplicates never appear: polling `seq > cursor` either
-- misses events or chases holes. The poller instead remembers its previous snapshot and reads the
-- rows of transactions that were not visible in it (`tx_id >= xmax OR tx_id = ANY(xip)`); no
-- holes exist in that cut. See crates/ccops-server/src/floor/stream.rs.
--
-- Nullable and without a rewrite: rows stored before this migration keep NULL (they predate any
-- live cursor); new rows get the inserting transaction's id from the default.
ALTER TABLE floor_events ADD COLUMN tx_id xid8;
ALTER TABLE floor_events ALTER COLUMN tx_id SET DEFAULT pg_current_xact_id();
CREATE INDEX floor_events_tx ON floor_events(tx_id);
