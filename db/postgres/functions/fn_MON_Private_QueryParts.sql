-- fn_MON_Private_QueryParts: where the parts of a blanked query text (fn_MON_Private_BlankQueryText: comments
-- and strings blanked, same positions) lie at parenthesis depth 0:
--   select_pos  the SELECT (or parenthesis) that starts the final query expression: 1 for a plain SELECT, the
--               first depth-0 SELECT after the CTE list of a WITH query; 0 when there is none
--   tail_pos    where the ORDER BY / OFFSET / LIMIT tail of that expression starts (length + 1 when none)
--   second_pos  the first depth-0 SELECT after select_pos that no UNION, EXCEPT or INTERSECT joins to the
--               expression: a second statement; 0 when none
-- Words inside parentheses (subqueries, CTE bodies, OVER (ORDER BY ...)) are not looked at. usp_StageUpdates
-- refuses a second statement with 50211 on both engines. Twin of db/functions/fn_MON_Private_QueryParts.sql.
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_QueryParts(p_blanked text)
RETURNS TABLE (select_pos int, tail_pos int, second_pos int)
LANGUAGE plpgsql
IMMUTABLE
AS $$
DECLARE
    v_n int := length(coalesce(p_blanked, ''));
    v_tok record;
    v_pos int := 1;
    v_depth int := 0;
    v_word text;
    v_first text;
    v_previous text := '';
    v_select int := 0;
    v_tail int := 0;
    v_second int := 0;
    v_order int := 0;
    v_lead int;
BEGIN
    -- one pass of the text into tokens (a parenthesis or a word: letters, digits, _ @ # $ and everything above
    -- U+007F), each with the gap before it, so that positions add up; only words at depth 0 are looked at
    FOR v_tok IN
        SELECT m[1] AS gap, m[2] AS tok
        FROM regexp_matches(lower(coalesce(p_blanked, '')),
            '([^()a-z_@#$\u0080-\U0010FFFF]*)([()]|[a-z_@#$\u0080-\U0010FFFF][a-z0-9_@#$\u0080-\U0010FFFF]*)', 'g')
            WITH ORDINALITY AS r (m, n)
        ORDER BY r.n
    LOOP
        v_pos := v_pos + length(v_tok.gap);
        IF v_tok.tok = '(' THEN
            v_depth := v_depth + 1;
        ELSIF v_tok.tok = ')' THEN
            v_depth := greatest(v_depth - 1, 0);
        ELSIF v_depth = 0 THEN
            v_word := v_tok.tok;
            IF v_first IS NULL THEN
                v_first := v_word;
                IF v_word = 'select' THEN v_select := v_pos; END IF;
            ELSIF v_select = 0 THEN
                IF v_first = 'with' AND v_word = 'select' THEN v_select := v_pos; END IF;
            ELSE
                IF v_word = 'select' AND v_previous NOT IN ('union', 'all', 'except', 'intersect', 'distinct') THEN
                    v_second := v_pos;
                    EXIT;
                END IF;
                IF v_word = 'by' AND v_previous = 'order' AND v_order > 0 AND v_tail = 0 THEN
                    v_tail := v_order;
                END IF;
                IF v_word IN ('limit', 'offset', 'fetch') AND v_tail = 0 THEN
                    v_tail := v_pos;
                END IF;
                v_order := CASE WHEN v_word = 'order' THEN v_pos ELSE 0 END;
            END IF;
            v_previous := v_word;
        END IF;
        v_pos := v_pos + length(v_tok.tok);
    END LOOP;

    -- a query that starts with a parenthesis: ((SELECT ...) UNION (SELECT ...))
    IF v_first IS NULL OR (v_select = 0 AND v_first <> 'with') THEN
        v_lead := length(coalesce(p_blanked, '')) - length(ltrim(coalesce(p_blanked, ''), E' \t\r\n')) + 1;
        IF substr(p_blanked, v_lead, 1) = '(' THEN v_select := v_lead; END IF;
    END IF;

    select_pos := v_select;
    tail_pos := CASE WHEN v_tail = 0 THEN v_n + 1 ELSE v_tail END;
    second_pos := v_second;
    RETURN NEXT;
END;
$$;
