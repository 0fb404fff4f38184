-- fn_MON_Private_StagedFields: the fields of one staged row's update_fields, one row per JSON key, with
-- field_no the key's position. Internal: the one shredding of update_fields, applied by
-- dbo.fn_MON_StagedCells and by the procedures that work on their own copy of the staged rows
-- (usp_Private_ValidateBatch, usp_ReleaseBatch), so that the cells they use come from the row they copied
-- and hashed, never from a second read of the owner's table. A one-SELECT SQL function: the planner inlines it.
-- Twin of db/functions/fn_MON_Private_StagedFields.sql.
--   SELECT f.* FROM dbo.fn_MON_Private_StagedFields('{"status":"Done","due":"2026-01-31"}') AS f;
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_StagedFields(p_update_fields text)
RETURNS TABLE (field_no int, column_alias varchar, raw_value text)
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT e.ord::int, e.key::varchar, e.value
    FROM json_each_text(
        CASE WHEN p_update_fields ~ '^\s*\{' THEN p_update_fields::json ELSE '{}'::json END
    ) WITH ORDINALITY AS e (key, value, ord);
$$;
