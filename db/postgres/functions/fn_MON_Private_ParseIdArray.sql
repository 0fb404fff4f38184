-- fn_MON_Private_ParseIdArray: a JSON array of ids ('[41, 42]' or '["41", "42"]') as bigint[]; NULL when
-- the text is not such an array (internal helper of usp_ExtendLease / usp_ReleaseLease). The T-SQL
-- procedures read the array with OPENJSON instead, so this helper has no T-SQL twin.
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_ParseIdArray(p_ids text)
RETURNS bigint[]
LANGUAGE plpgsql
IMMUTABLE
AS $$
DECLARE
    v_json json;
    v_out bigint[];
BEGIN
    IF p_ids IS NULL THEN
        RETURN NULL;
    END IF;
    BEGIN
        v_json := p_ids::json;
    EXCEPTION WHEN OTHERS THEN
        RETURN NULL;
    END;
    IF json_typeof(v_json) <> 'array' THEN
        RETURN NULL;
    END IF;
    IF EXISTS (
        SELECT 1 FROM json_array_elements(v_json) AS e
        WHERE json_typeof(e) NOT IN ('number', 'string') OR (e #>> '{}') !~ '^[0-9]{1,18}$'
    ) THEN
        RETURN NULL;
    END IF;
    SELECT coalesce(array_agg((e #>> '{}')::bigint), ARRAY[]::bigint[]) INTO v_out FROM json_array_elements(v_json) AS e;
    RETURN v_out;
END;
$$;
