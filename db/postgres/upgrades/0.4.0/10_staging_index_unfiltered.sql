-- Schema 0.4.0, step 10: the batch index of the owner's staging tables becomes a plain index (twin of
-- db/upgrades/0.4.0/10_staging_index_unfiltered.sql, where a filtered index makes SQL Server refuse the
-- writes of a loader without the index's SET options). 0.2.0 and 0.3.0 created the two indexes partial
-- (WHERE update_batch_id IS NOT NULL). Only a partial index of that name is dropped here; the re-runnable
-- ddl/updates/extend_staging_tables.sql, which runs after the steps, creates the plain index with the same
-- keys. No row is touched. Idempotent: a plain index (or none) is left alone.
DO $$
DECLARE
    v_index text;
BEGIN
    FOREACH v_index IN ARRAY ARRAY['ix_stg_mon_custmasterschedule_update_batch_id',
                                   'ix_stg_mon_custmasterschedule_subitems_update_batch_id'] LOOP
        IF EXISTS (
            SELECT 1 FROM pg_index AS i
            WHERE i.indexrelid = to_regclass('dbo.' || v_index) AND i.indpred IS NOT NULL
        ) THEN
            EXECUTE format('DROP INDEX dbo.%I', v_index);
        END IF;
    END LOOP;
END;
$$;
