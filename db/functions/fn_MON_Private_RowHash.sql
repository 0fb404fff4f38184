-- fn_MON_Private_RowHash: the SHA-256 hash of a staged row's content, as validation saw it (internal): the
-- one definition used by usp_Private_ValidateBatch (which stores it in dbo.MON_ValidatedRow) and by
-- usp_ReleaseBatch (which refuses a row whose hash differs, 50412). Every text is prefixed with its length
-- in bytes, so that NULL, '' and a value holding the separator never hash alike; the bytes hashed are the
-- column values themselves (no collation, trailing spaces count). Inline, so that it is applied set-based
-- (CROSS APPLY), never once per row as a scalar function. Twin of db/postgres/functions/fn_MON_Private_RowHash.sql
-- (each engine compares only the hashes it wrote itself).
--   SELECT h.row_hash FROM dbo.fn_MON_Private_RowHash(1, NULL, N'Item', 'topics', N'{"x":"1"}', 'VALID') AS h;
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_RowHash;
GO
CREATE FUNCTION dbo.fn_MON_Private_RowHash(
    @monday_item_id bigint,
    @parent_item_id bigint,
    @item_name nvarchar(255),
    @group_id varchar(100),
    @update_fields nvarchar(MAX),
    @validation_status varchar(20)
)
RETURNS TABLE -- noqa: CP05
AS
RETURN (
    SELECT
        HASHBYTES(
            'SHA2_256',
            CONCAT(
                CAST(N'i' AS nvarchar(MAX)), @monday_item_id,
                N'|p', @parent_item_id,
                N'|n', DATALENGTH(@item_name), N':', @item_name,
                N'|g', DATALENGTH(@group_id), N':', CAST(@group_id AS nvarchar(100)),
                N'|f', DATALENGTH(@update_fields), N':', @update_fields,
                N'|s', DATALENGTH(@validation_status), N':', CAST(@validation_status AS nvarchar(20))
            )
        ) AS row_hash
);
GO
