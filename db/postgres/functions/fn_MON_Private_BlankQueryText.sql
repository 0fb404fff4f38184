-- fn_MON_Private_BlankQueryText: the query text with every comment replaced by spaces and every string
-- literal and quoted identifier by underscores (same length, same positions), so that usp_StageUpdates can look for
-- keywords and statement separators in the code only. PostgreSQL lexing: -- and nested /* */ comments,
-- '...' ('' inside), E'...' (backslash escapes), $tag$...$tag$, "..." identifiers.
-- One pass, linear in the length: the text is split into an array of characters once (indexing a UTF-8
-- text by position costs O(position), an array element O(1)), read from that array and blanked in a
-- copy of it (lookbehinds see the original characters).
-- Twin of db/functions/fn_MON_Private_BlankQueryText.sql (T-SQL lexing: [..] identifiers, no $$, no E'').
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_BlankQueryText(p_query text)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
AS $$
DECLARE
    src text[];
    ch text[];
    n int;
    i int := 1;
    j int;
    k int;
    depth int;
    c text;
    nx text;
    tag text;
    tlen int;
    esc boolean;
    fill text;
BEGIN
    IF p_query IS NULL THEN
        RETURN NULL;
    END IF;
    src := coalesce(string_to_array(p_query, NULL), ARRAY[]::text[]);
    ch := src;
    n := coalesce(array_length(src, 1), 0);
    WHILE i <= n LOOP
        c := src[i];
        nx := CASE WHEN i < n THEN src[i + 1] ELSE '' END;
        j := NULL;
        fill := NULL;
        IF c = '-' AND nx = '-' THEN
            j := i + 2;
            WHILE j <= n AND src[j] <> chr(10) LOOP
                j := j + 1;
            END LOOP;
            fill := ' ';
        ELSIF c = '/' AND nx = '*' THEN
            depth := 1;
            j := i + 2;
            WHILE j <= n AND depth > 0 LOOP
                IF j < n AND src[j] = '/' AND src[j + 1] = '*' THEN
                    depth := depth + 1; j := j + 2;
                ELSIF j < n AND src[j] = '*' AND src[j + 1] = '/' THEN
                    depth := depth - 1; j := j + 2;
                ELSE
                    j := j + 1;
                END IF;
            END LOOP;
            fill := ' ';
        ELSIF c = '''' THEN
            esc := i > 1 AND upper(src[i - 1]) = 'E' AND (i = 2 OR src[i - 2] !~ '[A-Za-z0-9_]');
            j := i + 1;
            LOOP
                EXIT WHEN j > n;
                IF esc AND src[j] = '\' THEN
                    j := j + 2;
                ELSIF src[j] = '''' THEN
                    IF j < n AND src[j + 1] = '''' THEN
                        j := j + 2;
                    ELSE
                        j := j + 1;
                        EXIT;
                    END IF;
                ELSE
                    j := j + 1;
                END IF;
            END LOOP;
            fill := '_';
        ELSIF c = '"' THEN
            j := i + 1;
            LOOP
                EXIT WHEN j > n;
                IF src[j] = '"' THEN
                    IF j < n AND src[j + 1] = '"' THEN
                        j := j + 2;
                    ELSE
                        j := j + 1;
                        EXIT;
                    END IF;
                ELSE
                    j := j + 1;
                END IF;
            END LOOP;
            fill := '_';
        ELSIF c = '$' AND (i = 1 OR src[i - 1] !~ '[A-Za-z0-9_$]') THEN
            -- a dollar quote: two dollar signs, or a tag between them (a letter or _, then letters, digits, _)
            k := i + 1;
            IF k <= n AND src[k] ~ '[A-Za-z_]' THEN
                k := k + 1;
                WHILE k <= n AND src[k] ~ '[A-Za-z0-9_]' LOOP
                    k := k + 1;
                END LOOP;
            END IF;
            IF k <= n AND src[k] = '$' THEN
                tag := array_to_string(src[i:k], '');
                tlen := k - i + 1;
                j := k + 1;
                -- the closing tag: the first $ from which the tag's characters follow
                WHILE j <= n AND NOT (src[j] = '$' AND j + tlen - 1 <= n AND array_to_string(src[j:j + tlen - 1], '') = tag) LOOP
                    j := j + 1;
                END LOOP;
                j := CASE WHEN j > n THEN n + 1 ELSE j + tlen END;
                fill := '_';
            END IF;
        END IF;
        IF fill IS NULL THEN
            i := i + 1;
        ELSE
            j := least(j, n + 1);
            FOR k IN i .. j - 1 LOOP
                ch[k] := fill;
            END LOOP;
            i := j;
        END IF;
    END LOOP;
    RETURN array_to_string(ch, '');
END;
$$;
