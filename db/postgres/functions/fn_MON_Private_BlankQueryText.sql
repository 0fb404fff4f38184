-- fn_MON_Private_BlankQueryText: the query text with every comment replaced by spaces and every string
-- literal and quoted identifier by underscores (same length, same positions), so that usp_StageUpdates can look for
-- keywords and statement separators in the code only. PostgreSQL lexing: -- and nested /* */ comments,
-- '...' ('' inside), E'...' (backslash escapes), $tag$...$tag$, "..." identifiers.
-- Twin of db/functions/fn_MON_Private_BlankQueryText.sql (T-SQL lexing: [..] identifiers, no $$, no E'').
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_BlankQueryText(p_query text)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
AS $$
DECLARE
    n int := coalesce(length(p_query), 0);
    i int := 1;
    j int;
    depth int;
    c text;
    nx text;
    tag text;
    esc boolean;
    out text[] := ARRAY[]::text[];
BEGIN
    IF p_query IS NULL THEN
        RETURN NULL;
    END IF;
    WHILE i <= n LOOP
        c := substr(p_query, i, 1);
        nx := substr(p_query, i + 1, 1);
        IF c = '-' AND nx = '-' THEN
            j := strpos(substr(p_query, i), chr(10));
            j := CASE WHEN j = 0 THEN n + 1 ELSE i + j - 1 END;
            out := out || repeat(' ', j - i);
            i := j;
        ELSIF c = '/' AND nx = '*' THEN
            depth := 1;
            j := i + 2;
            WHILE j <= n AND depth > 0 LOOP
                IF substr(p_query, j, 2) = '/*' THEN
                    depth := depth + 1; j := j + 2;
                ELSIF substr(p_query, j, 2) = '*/' THEN
                    depth := depth - 1; j := j + 2;
                ELSE
                    j := j + 1;
                END IF;
            END LOOP;
            j := least(j, n + 1);
            out := out || repeat(' ', j - i);
            i := j;
        ELSIF c = '''' THEN
            esc := i > 1 AND upper(substr(p_query, i - 1, 1)) = 'E'
                AND (i = 2 OR substr(p_query, i - 2, 1) !~ '[A-Za-z0-9_]');
            j := i + 1;
            LOOP
                EXIT WHEN j > n;
                IF esc AND substr(p_query, j, 1) = '\' THEN
                    j := j + 2;
                ELSIF substr(p_query, j, 1) = '''' THEN
                    IF substr(p_query, j + 1, 1) = '''' THEN
                        j := j + 2;
                    ELSE
                        j := j + 1;
                        EXIT;
                    END IF;
                ELSE
                    j := j + 1;
                END IF;
            END LOOP;
            j := least(j, n + 1);
            out := out || repeat('_', j - i);
            i := j;
        ELSIF c = '"' THEN
            j := i + 1;
            LOOP
                EXIT WHEN j > n;
                IF substr(p_query, j, 1) = '"' THEN
                    IF substr(p_query, j + 1, 1) = '"' THEN
                        j := j + 2;
                    ELSE
                        j := j + 1;
                        EXIT;
                    END IF;
                ELSE
                    j := j + 1;
                END IF;
            END LOOP;
            j := least(j, n + 1);
            out := out || repeat('_', j - i);
            i := j;
        ELSIF c = '$' AND (i = 1 OR substr(p_query, i - 1, 1) !~ '[A-Za-z0-9_$]')
            AND substr(p_query, i) ~ '^\$([A-Za-z_][A-Za-z0-9_]*)?\$' THEN
            tag := substring(substr(p_query, i) FROM '^(\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$)');
            j := strpos(substr(p_query, i + length(tag)), tag);
            j := CASE WHEN j = 0 THEN n + 1 ELSE i + length(tag) + j - 1 + length(tag) END;
            out := out || repeat('_', j - i);
            i := j;
        ELSE
            out := out || c;
            i := i + 1;
        END IF;
    END LOOP;
    RETURN array_to_string(out, '');
END;
$$;
