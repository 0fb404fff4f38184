-- fn_MON_Private_CellValueText: the JSON text of one value of a cell the sender records (usp_RecordPreview,
-- usp_RecordPreImage, usp_RecordSendResult): p_value_json is the value as json (e -> 'key'), p_value_text its
-- plain read (e ->> 'key'). The sender passes each value inside a one-element array, [{"index":3}] or ["Done"]
-- or [null], so that it arrives as JSON and never as JSON text escaped inside a JSON string; the value is the
-- element's text ([null] is NULL). A string holding the JSON text ("{\"index\":3}", the form of a hand-written
-- call) and an object are taken as they are; an array of more or fewer than one element is the value itself.
-- Internal helper. Twin of db/functions/fn_MON_Private_CellValueText.sql.
--   SELECT dbo.fn_MON_Private_CellValueText('[{"index":3}]'::json, NULL);
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_CellValueText(p_value_json json, p_value_text text)
RETURNS text
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT CASE json_typeof(p_value_json)
        WHEN 'array' THEN CASE
            WHEN json_array_length(p_value_json) = 1 THEN nullif(btrim((p_value_json -> 0)::text), 'null')
            ELSE p_value_json::text
        END
        WHEN 'object' THEN p_value_json::text
        ELSE p_value_text
    END;
$$;
