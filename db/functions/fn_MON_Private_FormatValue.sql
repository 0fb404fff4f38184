-- fn_MON_Private_FormatValue: the exact monday.com write value (column formatted_value: the JSON for one
-- column inside column_values) of one validated raw value; the one definition of the formatting rules
-- (the shapes are listed in db/functions/fn_MON_FormatColumnValue.sql, which returns this value).
-- Inline table-valued function returning one row, applied per cell with CROSS APPLY by usp_ReleaseBatch:
-- the optimizer expands it into the release statement, so formatting a batch is one set-based statement
-- (a scalar function per cell ran row by row, and kept the whole statement serial, before SQL Server 2019;
-- and its table reads and STRING_AGG make it one that 2019's scalar inlining does not inline).
-- Each type's work runs only for its own cells (the label, user and token lookups are guarded by the type,
-- which the optimizer turns into start-up filters), and every expression is safe for any input (the
-- optimizer may compute an expression before the CASE that uses it: lengths and conversions are guarded).
-- The rules do not depend on the database's collation, as in the PostgreSQL twin: patterns ([0-9], [A-Za-z],
-- '@', '/') and label, e-mail and keyword matches are read under Latin1_General_100_BIN2 (a case-, accent- or
-- width-insensitive collation would take 'Ｄｏｎｅ' for 'Done', 'cafe' for 'Café' or a superscript digit
-- for a digit); "ignoring case" is LOWER on both sides, then a binary compare of equal lengths. Whitespace
-- (the separator of an e-mail or link and its text, of a country code and its name) is any of space, tab,
-- line feed, vertical tab, form feed and carriage return. The JSON is written as the PostgreSQL twin writes
-- it: a '/' is not escaped (fn_MON_Private_JsonEscape writes '\/' as STRING_ESCAPE does, and the final
-- REPLACE undoes it; every backslash of the value starts an escape, so a '\/' is always an escaped '/';
-- the REPLACE is binary, or a width-insensitive collation would take an escaped backslash and a fullwidth
-- '／' for one too).
--   SELECT c.column_id, f.formatted_value
--   FROM dbo.MON_BoardColumn AS c
--   CROSS APPLY dbo.fn_MON_Private_FormatValue(c.column_type, N'In Progress', c.settings_json) AS f
--   WHERE c.board_id = 8709134353 AND c.column_id = 'status';
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_FormatValue;
GO
CREATE FUNCTION dbo.fn_MON_Private_FormatValue(
    @column_type varchar(50),
    @raw_value nvarchar(MAX),
    @settings nvarchar(MAX)
)
RETURNS TABLE -- noqa: CP05
AS
RETURN
-- people and dropdown: the comma-separated tokens, in order
WITH tok AS (
    SELECT
        CAST(s.[key] AS int) AS ord,
        LTRIM(RTRIM(s.value)) COLLATE DATABASE_DEFAULT AS tok
    -- (split at ',' only: a binary REPLACE, or a width-insensitive collation splits at '，' too)
    FROM dbo.fn_MON_Private_JsonEscape(
        CASE WHEN LOWER(LTRIM(RTRIM(@column_type))) IN ('people', 'dropdown') THEN LTRIM(RTRIM(@raw_value)) END
    ) AS esc
    CROSS APPLY OPENJSON(
        N'["' + REPLACE(esc.escaped COLLATE Latin1_General_100_BIN2, N',', N'","') + N'"]'
    ) AS s
    WHERE
        LOWER(LTRIM(RTRIM(@column_type))) IN ('people', 'dropdown')
        AND LEN(LTRIM(RTRIM(s.value))) > 0
),

person AS (
    SELECT
        tok.ord,
        TRY_CONVERT(bigint, SUBSTRING(tok.tok, CHARINDEX(N':', tok.tok) + 1, 20)) AS user_id,
        LOWER(LEFT(tok.tok, CASE WHEN CHARINDEX(N':', tok.tok) > 0 THEN CHARINDEX(N':', tok.tok) - 1 ELSE 0 END))
            AS user_kind,
        0 AS pri
    FROM tok
    WHERE
        LOWER(LTRIM(RTRIM(@column_type))) = 'people'
        AND (
            LOWER(tok.tok COLLATE Latin1_General_100_BIN2) LIKE N'person:[0-9]%'
            OR LOWER(tok.tok COLLATE Latin1_General_100_BIN2) LIKE N'team:[0-9]%'
        )
        AND SUBSTRING(tok.tok, CHARINDEX(N':', tok.tok) + 1, 20) COLLATE Latin1_General_100_BIN2 NOT LIKE N'%[^0-9]%'
        AND LEN(SUBSTRING(tok.tok, CHARINDEX(N':', tok.tok) + 1, 20)) BETWEEN 1 AND 18
    UNION ALL
    SELECT
        tok.ord,
        TRY_CONVERT(bigint, tok.tok) AS user_id,
        COALESCE(u.user_kind, 'person') AS user_kind,
        1 AS pri
    FROM tok
    LEFT JOIN dbo.MON_User AS u ON u.user_id = TRY_CONVERT(bigint, tok.tok)
    WHERE
        LOWER(LTRIM(RTRIM(@column_type))) = 'people'
        AND tok.tok COLLATE Latin1_General_100_BIN2 NOT LIKE N'%[^0-9]%' AND LEN(tok.tok) BETWEEN 1 AND 18
    UNION ALL
    SELECT
        tok.ord,
        u.user_id,
        u.user_kind,
        2 AS pri
    FROM tok
    INNER JOIN dbo.MON_User AS u
        ON
            LOWER(tok.tok COLLATE Latin1_General_100_BIN2) = LOWER(u.email COLLATE Latin1_General_100_BIN2)
            AND DATALENGTH(tok.tok) = DATALENGTH(u.email)
    WHERE
        LOWER(LTRIM(RTRIM(@column_type))) = 'people'
        AND tok.tok COLLATE Latin1_General_100_BIN2 LIKE N'%@%'
),

person_best AS (
    SELECT
        person.ord,
        person.user_id,
        person.user_kind,
        ROW_NUMBER() OVER (
            PARTITION BY person.ord
            ORDER BY person.pri, CASE person.user_kind WHEN 'person' THEN 0 ELSE 1 END, person.user_id
        ) AS rn
    FROM person
    WHERE person.user_id IS NOT NULL
),

lbl AS (
    SELECT
        l.label_id,
        l.label_text
    FROM dbo.fn_MON_Private_ColumnLabels(@settings) AS l
    WHERE LOWER(LTRIM(RTRIM(@column_type))) IN ('status', 'dropdown')
),

dropdown AS (
    SELECT
        tok.ord,
        lbl.label_id,
        lbl.label_text,
        CASE
            WHEN
                lbl.label_text = tok.tok COLLATE Latin1_General_100_BIN2
                AND DATALENGTH(lbl.label_text) = DATALENGTH(tok.tok)
                THEN 0
            ELSE 1
        END AS pri
    FROM tok
    INNER JOIN lbl
        ON
            LOWER(tok.tok COLLATE Latin1_General_100_BIN2) = LOWER(lbl.label_text COLLATE Latin1_General_100_BIN2)
            AND DATALENGTH(tok.tok) = DATALENGTH(lbl.label_text)
    WHERE LOWER(LTRIM(RTRIM(@column_type))) = 'dropdown'
    UNION ALL
    SELECT
        tok.ord,
        lbl.label_id,
        lbl.label_text,
        2 AS pri
    FROM tok
    INNER JOIN lbl ON lbl.label_id = TRY_CONVERT(int, tok.tok)
    WHERE
        LOWER(LTRIM(RTRIM(@column_type))) = 'dropdown'
        AND tok.tok COLLATE Latin1_General_100_BIN2 NOT LIKE N'%[^0-9]%' AND LEN(tok.tok) BETWEEN 1 AND 9
),

dropdown_best AS (
    SELECT
        dropdown.ord,
        dropdown.label_id,
        dropdown.label_text,
        ROW_NUMBER() OVER (PARTITION BY dropdown.ord ORDER BY dropdown.pri, dropdown.label_id) AS rn
    FROM dropdown
),

-- the aggregates below have no GROUP BY: one row each, whatever the type
person_list AS (
    SELECT
        STRING_AGG(
            CAST(CONCAT(N'{"id":', person_best.user_id, N',"kind":"', person_best.user_kind, N'"}') AS nvarchar(MAX)),
            N','
        ) WITHIN GROUP (ORDER BY tok.ord) AS items,
        SUM(CASE WHEN person_best.user_id IS NULL THEN 1 ELSE 0 END) AS unresolved
    FROM tok
    LEFT JOIN person_best ON tok.ord = person_best.ord AND person_best.rn = 1
    WHERE LOWER(LTRIM(RTRIM(@column_type))) = 'people'
),

dropdown_list AS (
    SELECT
        STRING_AGG(CAST(CONCAT(dropdown_best.label_id, N'') AS nvarchar(MAX)), N',')
            WITHIN GROUP (ORDER BY tok.ord) AS ids,
        STRING_AGG(
            CAST(N'"' + esc_label.escaped + N'"' AS nvarchar(MAX)),
            N','
        ) WITHIN GROUP (ORDER BY tok.ord) AS labels,
        SUM(CASE WHEN dropdown_best.label_id IS NULL THEN 1 ELSE 0 END) AS unresolved
    FROM tok
    LEFT JOIN dropdown_best ON tok.ord = dropdown_best.ord AND dropdown_best.rn = 1
    CROSS APPLY dbo.fn_MON_Private_JsonEscape(COALESCE(dropdown_best.label_text, tok.tok)) AS esc_label
    WHERE LOWER(LTRIM(RTRIM(@column_type))) = 'dropdown'
),

x AS (
    SELECT
        LOWER(LTRIM(RTRIM(@column_type))) AS typ,
        LTRIM(RTRIM(@raw_value)) AS t,
        @raw_value AS raw_value,
        -- whitespace, as a LIKE / PATINDEX set
        N'[' + NCHAR(32) + NCHAR(9) + NCHAR(10) + NCHAR(11) + NCHAR(12) + NCHAR(13) + N']' AS ws,
        N'[^' + NCHAR(32) + NCHAR(9) + NCHAR(10) + NCHAR(11) + NCHAR(12) + NCHAR(13) + N']' AS non_ws
),

pos AS (
    SELECT
        x.typ,
        x.t,
        x.raw_value,
        x.ws,
        CHARINDEX(N'/', x.t COLLATE Latin1_General_100_BIN2) AS slash,
        PATINDEX(N'%' + x.ws + N'%', x.t COLLATE Latin1_General_100_BIN2) AS blank_at,
        -- where the text after the address starts (0: none)
        PATINDEX(
            N'%' + x.non_ws + N'%',
            SUBSTRING(x.t, PATINDEX(N'%' + x.ws + N'%', x.t COLLATE Latin1_General_100_BIN2) + 1, LEN(x.t))
            COLLATE Latin1_General_100_BIN2
        ) AS text_at,
        CHARINDEX(N':', x.t) AS colon
    FROM x
),

y AS (
    SELECT
        pos.typ,
        pos.t,
        pos.raw_value,
        pos.slash,
        pos.ws,
        pos.blank_at,
        pos.text_at,
        -- email and link: the address (up to the first whitespace), then the text after the whitespace (the
        -- address again when there is none)
        CASE
            WHEN pos.blank_at = 0 THEN pos.t
            ELSE LEFT(pos.t, CASE WHEN pos.blank_at > 0 THEN pos.blank_at - 1 ELSE 0 END)
        END AS a,
        CASE
            WHEN pos.blank_at = 0 OR pos.text_at = 0
                THEN LEFT(pos.t, CASE WHEN pos.blank_at > 0 THEN pos.blank_at - 1 ELSE LEN(pos.t) END)
            ELSE SUBSTRING(SUBSTRING(pos.t, pos.blank_at + 1, LEN(pos.t)), pos.text_at, LEN(pos.t))
        END AS b,
        -- hour: hours and minutes
        TRY_CONVERT(int, LEFT(pos.t, CASE WHEN pos.colon > 0 THEN pos.colon - 1 ELSE 0 END)) AS h,
        TRY_CONVERT(int, SUBSTRING(pos.t, pos.colon + 1, 2)) AS m,
        -- status: the label text, exactly then ignoring case; else a whole number as a label id
        COALESCE(
            (
                SELECT TOP (1) lbl.label_id
                FROM lbl
                WHERE
                    pos.typ = 'status'
                    AND LOWER(lbl.label_text COLLATE Latin1_General_100_BIN2)
                    = LOWER(pos.t COLLATE Latin1_General_100_BIN2)
                    AND DATALENGTH(lbl.label_text) = DATALENGTH(pos.t)
                ORDER BY
                    CASE WHEN lbl.label_text = pos.t COLLATE Latin1_General_100_BIN2 THEN 0 ELSE 1 END,
                    lbl.label_id
            ),
            (
                SELECT TOP (1) lbl.label_id
                FROM lbl
                WHERE
                    pos.typ = 'status' AND pos.t COLLATE Latin1_General_100_BIN2 NOT LIKE N'%[^0-9]%'
                    AND LEN(pos.t) BETWEEN 1 AND 9
                    AND lbl.label_id = TRY_CONVERT(int, pos.t)
            )
        ) AS status_label_id
    FROM pos
)

SELECT
    REPLACE(CAST(
        CASE
            -- clearing: NULL or '' (after trimming, for typed columns)
            WHEN x.typ IN ('text', 'long_text', 'name') AND (x.raw_value IS NULL OR DATALENGTH(x.raw_value) = 0)
                THEN CASE x.typ WHEN 'text' THEN N'""' WHEN 'long_text' THEN N'null' END
            WHEN x.typ NOT IN ('text', 'long_text', 'name') AND (x.t IS NULL OR LEN(x.t) = 0)
                THEN CASE
                    WHEN x.typ = 'numbers' THEN N'""'
                    WHEN x.typ IN (
                        'status', 'date', 'timeline', 'people', 'dropdown', 'email', 'phone', 'link', 'checkbox',
                        'hour', 'rating', 'country'
                    ) THEN N'null'
                END
            WHEN x.typ IN ('text', 'name') THEN N'"' + esc_raw.escaped + N'"'
            WHEN x.typ = 'long_text' THEN N'{"text":"' + esc_raw.escaped + N'"}'
            WHEN x.typ = 'numbers'
                THEN CASE WHEN num.number_text IS NOT NULL THEN N'"' + num.number_text + N'"' END
            -- status: label text first (a numeric-looking label such as '2024' is a label), then a label id
            WHEN x.typ = 'status'
                THEN CASE
                    WHEN x.status_label_id IS NOT NULL
                        THEN N'{"index":' + CAST(x.status_label_id AS nvarchar(12)) + N'}'
                    ELSE N'{"label":"' + esc_t.escaped + N'"}'
                END
            WHEN x.typ = 'date'
                THEN CASE
                    WHEN dt.date_text IS NULL THEN NULL
                    WHEN LEN(dt.date_text) = 10 THEN N'{"date":"' + dt.date_text + N'"}'
                    ELSE N'{"date":"' + LEFT(dt.date_text, 10) + N'","time":"' + RIGHT(dt.date_text, 8) + N'"}'
                END
            WHEN x.typ = 'timeline'
                THEN CASE
                    WHEN x.slash < 2 OR CHARINDEX(N'/', x.t, x.slash + 1) > 0 THEN NULL
                    WHEN
                        tl_from.date_text IS NULL OR tl_to.date_text IS NULL OR LEN(tl_from.date_text) <> 10
                        OR LEN(tl_to.date_text) <> 10 OR tl_from.date_text > tl_to.date_text
                        THEN NULL
                    ELSE N'{"from":"' + tl_from.date_text + N'","to":"' + tl_to.date_text + N'"}'
                END
            WHEN x.typ = 'people'
                THEN CASE
                    WHEN ppl.unresolved > 0 THEN NULL
                    ELSE N'{"personsAndTeams":[' + COALESCE(ppl.items, N'') + N']}'
                END
            WHEN x.typ = 'dropdown'
                THEN CASE
                    WHEN dd.unresolved = 0 THEN N'{"ids":[' + COALESCE(dd.ids, N'') + N']}'
                    ELSE N'{"labels":[' + COALESCE(dd.labels, N'') + N']}'
                END
            WHEN x.typ = 'email'
                THEN N'{"email":"' + esc_a.escaped + N'","text":"' + esc_b.escaped + N'"}'
            WHEN x.typ = 'link'
                THEN N'{"url":"' + esc_a.escaped + N'","text":"' + esc_b.escaped + N'"}'
            WHEN x.typ = 'phone'
                THEN CASE
                    WHEN x.t COLLATE Latin1_General_100_BIN2 NOT LIKE N'% [A-Za-z][A-Za-z]' THEN NULL
                    ELSE N'{"phone":"' + esc_phone.escaped
                        + N'","countryShortName":"' + UPPER(RIGHT(x.t, 2)) + N'"}'
                END
            WHEN x.typ = 'checkbox'
                THEN CASE
                    WHEN LOWER(x.t COLLATE Latin1_General_100_BIN2) IN (N'true', N'1', N'yes', N'y')
                        THEN N'{"checked":"true"}'
                    WHEN LOWER(x.t COLLATE Latin1_General_100_BIN2) IN (N'false', N'0', N'no', N'n') THEN N'null'
                END
            WHEN x.typ = 'hour'
                THEN CASE
                    WHEN
                        x.t COLLATE Latin1_General_100_BIN2 NOT LIKE N'[0-9]:[0-9][0-9]'
                        AND x.t COLLATE Latin1_General_100_BIN2 NOT LIKE N'[0-9][0-9]:[0-9][0-9]'
                        AND x.t COLLATE Latin1_General_100_BIN2 NOT LIKE N'[0-9]:[0-9][0-9]:[0-9][0-9]'
                        AND x.t COLLATE Latin1_General_100_BIN2 NOT LIKE N'[0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
                        THEN NULL
                    WHEN x.h IS NULL OR x.m IS NULL OR x.h > 23 OR x.m > 59 THEN NULL
                    ELSE CONCAT(N'{"hour":', x.h, N',"minute":', x.m, N'}')
                END
            WHEN x.typ = 'rating'
                THEN CASE
                    WHEN
                        x.t COLLATE Latin1_General_100_BIN2 LIKE N'%[^0-9]%' OR LEN(x.t) > 4
                        OR TRY_CONVERT(int, x.t) IS NULL
                        THEN NULL
                    ELSE CONCAT(N'{"rating":', TRY_CONVERT(int, x.t), N'}')
                END
            WHEN x.typ = 'country'
                THEN CASE
                    WHEN
                        x.t COLLATE Latin1_General_100_BIN2 NOT LIKE N'[A-Za-z][A-Za-z]'
                        AND x.t COLLATE Latin1_General_100_BIN2 NOT LIKE N'[A-Za-z][A-Za-z]' + x.ws + N'%'
                        THEN NULL
                    -- the name: after the code and its whitespace (x.a and x.b split at the first whitespace)
                    -- (the code alone is two ASCII letters: nothing to escape)
                    ELSE N'{"countryCode":"' + UPPER(LEFT(x.t, 2)) + N'","countryName":"'
                        + CASE WHEN x.blank_at > 0 AND x.text_at > 0 THEN esc_b.escaped ELSE UPPER(LEFT(x.t, 2)) END
                        + N'"}'
                END
        END AS nvarchar(MAX)
    ) COLLATE Latin1_General_100_BIN2, N'\/', N'/') COLLATE DATABASE_DEFAULT AS formatted_value
FROM y AS x
CROSS JOIN person_list AS ppl
CROSS JOIN dropdown_list AS dd
CROSS APPLY dbo.fn_MON_Private_NumberText(CASE WHEN x.typ = 'numbers' THEN x.t END) AS num
CROSS APPLY dbo.fn_MON_Private_DateText(CASE WHEN x.typ = 'date' THEN x.t END) AS dt
CROSS APPLY dbo.fn_MON_Private_DateText(
    CASE WHEN x.typ = 'timeline' THEN LEFT(x.t, CASE WHEN x.slash > 1 THEN x.slash - 1 ELSE 0 END) END
) AS tl_from
CROSS APPLY dbo.fn_MON_Private_DateText(
    CASE WHEN x.typ = 'timeline' THEN SUBSTRING(x.t, x.slash + 1, 4000) END
) AS tl_to
-- the texts written inside JSON strings, each escaped for the types that write it
CROSS APPLY dbo.fn_MON_Private_JsonEscape(CASE WHEN x.typ IN ('text', 'long_text', 'name') THEN x.raw_value END)
    AS esc_raw
CROSS APPLY dbo.fn_MON_Private_JsonEscape(CASE WHEN x.typ = 'status' THEN x.t END) AS esc_t
CROSS APPLY dbo.fn_MON_Private_JsonEscape(CASE WHEN x.typ IN ('email', 'link') THEN x.a END) AS esc_a
CROSS APPLY dbo.fn_MON_Private_JsonEscape(CASE WHEN x.typ IN ('email', 'link', 'country') THEN x.b END) AS esc_b
CROSS APPLY dbo.fn_MON_Private_JsonEscape(
    CASE
        WHEN x.typ = 'phone'
            THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(
                RTRIM(LEFT(x.t, CASE WHEN LEN(x.t) >= 2 THEN LEN(x.t) - 2 ELSE 0 END)),
                N' ', N''), N'(', N''), N')', N''), N'.', N''), N'-', N'')
    END
) AS esc_phone;
GO
