-- fn_MON_Private_RowHash: the SHA-256 hash of a staged row's content, as validation saw it (internal): the
-- one definition used by usp_Private_ValidateBatch (which stores it in dbo.MON_ValidatedRow) and by
-- usp_ReleaseBatch (which refuses a row whose hash differs, 50412). Every text is prefixed with its length,
-- so that NULL, '' and a value holding the separator never hash alike; the bytes hashed are the column
-- values themselves (UTF-8; trailing spaces count). An SQL function the planner inlines into its callers.
-- Twin of db/functions/fn_MON_Private_RowHash.sql (each engine compares only the hashes it wrote itself).
--   SELECT dbo.fn_MON_Private_RowHash(1, NULL, 'Item', 'topics', '{"x":"1"}', 'VALID');
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_RowHash(
    p_monday_item_id bigint,
    p_parent_item_id bigint,
    p_item_name varchar,
    p_group_id varchar,
    p_update_fields text,
    p_validation_status varchar
)
RETURNS bytea
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT sha256(convert_to(concat(
        'i', p_monday_item_id,
        '|p', p_parent_item_id,
        '|n', octet_length(p_item_name), ':', p_item_name,
        '|g', octet_length(p_group_id), ':', p_group_id,
        '|f', octet_length(p_update_fields), ':', p_update_fields,
        '|s', octet_length(p_validation_status), ':', p_validation_status
    ), 'UTF8'))
$$;
