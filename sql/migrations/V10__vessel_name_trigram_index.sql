-- oceanid:no-transaction
-- Fuzzy name search ("ATLANTIC STAR" vs "ATLANTIC STAR II") over the whole name history. Built
-- concurrently so adding it to the live database does not block the writers.
CREATE INDEX CONCURRENTLY IF NOT EXISTS vessel_name_name_trgm_idx ON curated.vessel_name USING gin (name gin_trgm_ops);
