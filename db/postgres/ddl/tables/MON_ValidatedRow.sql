-- MON_ValidatedRow: what validation saw, one row per staged row of a batch: a SHA-256 hash of the row's
-- content (monday_item_id, parent_item_id, item_name, group_id, update_fields and the validation_status it
-- was given; dbo.fn_MON_Private_RowHash). Written at the end of every validation (usp_Private_ValidateBatch)
-- and compared by usp_ReleaseBatch, which refuses any row whose content changed since (50412): the staged
-- rows live in the owner's staging tables, which other accounts can write. Not unique on purpose: a row
-- number staged twice is refused by the release (50411), not by a key violation in validation. No foreign
-- key: the rows are working data of their batch (usp_PurgeRunLog deletes them with its staged rows), and a
-- test double of dbo.MON_UpdateBatch (tSQLt.FakeTable) must not make validation fail on it.
-- Twin of db/ddl/tables/MON_ValidatedRow.sql.
CREATE TABLE IF NOT EXISTS dbo.MON_ValidatedRow (
    batch_id varchar(50) NOT NULL,
    update_row_no int NOT NULL,
    row_hash bytea NOT NULL
);

CREATE INDEX IF NOT EXISTS CX_MON_ValidatedRow_batch_row ON dbo.MON_ValidatedRow (batch_id, update_row_no);
