-- fn_MON_FormatColumnValue: the exact monday.com write value (the JSON for one column inside
-- column_values) of one validated raw value. Called per cell by dbo.usp_ReleaseBatch.
--
-- Signature (the PostgreSQL twin takes p_column_type, p_raw_value, p_settings and returns text):
--   dbo.fn_MON_FormatColumnValue(
--       @column_type varchar(50),   -- MON_BoardColumn.column_type: status, date, numbers, people, ...
--       @raw_value nvarchar(max),   -- the staged value as text (update_fields value); NULL or '' clears
--       @settings nvarchar(max))    -- MON_BoardColumn.settings (status/dropdown labels); may be NULL
--   RETURNS nvarchar(max): compact JSON text of the value, e.g. {"index":1}, "3", {"date":"2026-06-15"},
--   null (the JSON literal: clears the cell); SQL NULL when the value cannot be formatted (type not
--   writable, value not valid: validation refuses such rows first).
-- Shapes (monday's API documentation; the raw input forms are listed in docs/patterns/sql_update_patterns.md):
--   text "x" (clear "") | name "x" (cannot be cleared: NULL) | long_text {"text":"x"} | numbers "3" (clear "")
--   status {"index":<label id>} (label text matched exactly, then case-insensitively, then a whole number
--     as a label id; an unknown label gives {"label":"x"}, sent with create_labels_if_missing)
--   date {"date":"YYYY-MM-DD"} or {"date":"YYYY-MM-DD","time":"HH:MM:SS"} in UTC (offsets applied)
--   timeline 'YYYY-MM-DD/YYYY-MM-DD' -> {"from":..,"to":..}
--   people 'id, email, team:id' -> {"personsAndTeams":[{"id":N,"kind":"person"}]} (emails via MON_User)
--   dropdown 'A, B' -> {"ids":[..]} when every label is known, else {"labels":["A","B"]}
--   email 'a@b.com [text]' -> {"email","text"} | phone '+12025550169 US' -> {"phone","countryShortName"}
--   link 'https://x [text]' -> {"url","text"} | checkbox true/false/1/0/yes/no/y/n -> {"checked":"true"} / null
--   hour 'HH:MM' -> {"hour":H,"minute":M} | rating 'N' -> {"rating":N}
--   country 'US [United States]' -> {"countryCode":"US","countryName":"United States"}
-- Example:
--   SELECT dbo.fn_MON_FormatColumnValue(c.column_type, N'In Progress', c.settings)
--   FROM dbo.MON_BoardColumn AS c WHERE c.board_id = 8709134353 AND c.column_id = 'status';
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_FormatColumnValue;
GO
CREATE FUNCTION dbo.fn_MON_FormatColumnValue(
    @column_type varchar(50),
    @raw_value nvarchar(MAX),
    @settings nvarchar(MAX)
)
RETURNS nvarchar(MAX)
AS
BEGIN
    DECLARE @t nvarchar(MAX) = LTRIM(RTRIM(@raw_value));
    DECLARE @typ varchar(50) = LOWER(LTRIM(RTRIM(@column_type)));
    DECLARE @id int;
    DECLARE @norm varchar(19);
    DECLARE @norm2 varchar(19);
    DECLARE @a nvarchar(MAX);
    DECLARE @b nvarchar(MAX);
    DECLARE @p int;
    DECLARE @unresolved int;
    DECLARE @items nvarchar(MAX);

    -- clearing: NULL or '' (after trimming, for typed columns)
    IF @typ IN ('text', 'long_text', 'name')
    BEGIN
        IF @raw_value IS NULL OR DATALENGTH(@raw_value) = 0
        BEGIN
            RETURN CASE @typ WHEN 'text' THEN N'""' WHEN 'long_text' THEN N'null' END;
        END;
    END;
    ELSE IF @t IS NULL OR LEN(@t) = 0
    BEGIN
        RETURN CASE
            WHEN @typ = 'numbers' THEN N'""'
            WHEN @typ IN (
                'status', 'date', 'timeline', 'people', 'dropdown', 'email', 'phone', 'link', 'checkbox',
                'hour', 'rating', 'country'
            ) THEN N'null'
        END;
    END;

    IF @typ IN ('text', 'name')
    BEGIN
        RETURN N'"' + STRING_ESCAPE(@raw_value, 'json') + N'"';
    END;
    IF @typ = 'long_text'
    BEGIN
        RETURN N'{"text":"' + STRING_ESCAPE(@raw_value, 'json') + N'"}';
    END;
    IF @typ = 'numbers'
    BEGIN
        SET @norm = dbo.fn_MON_Private_NormalizeNumber(@t);
        RETURN CASE WHEN @norm IS NOT NULL THEN N'"' + @norm + N'"' END;
    END;
    IF @typ = 'status'
    BEGIN
        -- label text first (a numeric-looking label such as '2024' is a label), then a label id
        SELECT TOP (1) @id = l.label_id
        FROM dbo.fn_MON_Private_ColumnLabels(@settings) AS l
        WHERE LOWER(l.label_text) = LOWER(@t)
        ORDER BY CASE WHEN l.label_text = @t COLLATE Latin1_General_100_BIN2 THEN 0 ELSE 1 END, l.label_id;
        IF @id IS NULL AND @t NOT LIKE '%[^0-9]%' AND LEN(@t) BETWEEN 1 AND 9
        BEGIN
            SELECT TOP (1) @id = l.label_id
            FROM dbo.fn_MON_Private_ColumnLabels(@settings) AS l
            WHERE l.label_id = TRY_CONVERT(int, @t);
        END;
        IF @id IS NOT NULL
        BEGIN
            RETURN N'{"index":' + CAST(@id AS nvarchar(12)) + N'}';
        END;
        RETURN N'{"label":"' + STRING_ESCAPE(@t, 'json') + N'"}';
    END;
    IF @typ = 'date'
    BEGIN
        SET @norm = dbo.fn_MON_Private_NormalizeDate(@t);
        RETURN CASE
            WHEN @norm IS NULL THEN NULL
            WHEN LEN(@norm) = 10 THEN N'{"date":"' + @norm + N'"}'
            ELSE N'{"date":"' + LEFT(@norm, 10) + N'","time":"' + RIGHT(@norm, 8) + N'"}'
        END;
    END;
    IF @typ = 'timeline'
    BEGIN
        SET @p = CHARINDEX(N'/', @t);
        IF @p < 2 OR CHARINDEX(N'/', @t, @p + 1) > 0
        BEGIN
            RETURN NULL;
        END;
        SET @norm = dbo.fn_MON_Private_NormalizeDate(LEFT(@t, @p - 1));
        SET @norm2 = dbo.fn_MON_Private_NormalizeDate(SUBSTRING(@t, @p + 1, 4000));
        IF @norm IS NULL OR @norm2 IS NULL OR LEN(@norm) <> 10 OR LEN(@norm2) <> 10 OR @norm > @norm2
        BEGIN
            RETURN NULL;
        END;
        RETURN N'{"from":"' + @norm + N'","to":"' + @norm2 + N'"}';
    END;
    IF @typ = 'people'
    BEGIN
        WITH x AS (
            SELECT
                CAST(s.[key] AS int) AS ord,
                LTRIM(RTRIM(s.value)) COLLATE DATABASE_DEFAULT AS tok
            FROM OPENJSON(N'["' + REPLACE(STRING_ESCAPE(@t, 'json'), N',', N'","') + N'"]') AS s
            WHERE LEN(LTRIM(RTRIM(s.value))) > 0
        ),

        candidate AS (
            SELECT
                x.ord,
                TRY_CONVERT(bigint, SUBSTRING(x.tok, CHARINDEX(N':', x.tok) + 1, 20)) AS user_id,
                LOWER(LEFT(x.tok, CASE WHEN CHARINDEX(N':', x.tok) > 0 THEN CHARINDEX(N':', x.tok) - 1 ELSE 0 END))
                    AS user_kind,
                0 AS pri
            FROM x
            WHERE (x.tok LIKE N'person:[0-9]%' OR x.tok LIKE N'team:[0-9]%')
                AND SUBSTRING(x.tok, CHARINDEX(N':', x.tok) + 1, 20) NOT LIKE N'%[^0-9]%'
            UNION ALL
            SELECT
                x.ord,
                TRY_CONVERT(bigint, x.tok) AS user_id,
                COALESCE(u.user_kind, 'person') AS user_kind,
                1 AS pri
            FROM x
            LEFT JOIN dbo.MON_User AS u ON u.user_id = TRY_CONVERT(bigint, x.tok)
            WHERE x.tok NOT LIKE N'%[^0-9]%' AND LEN(x.tok) BETWEEN 1 AND 18
            UNION ALL
            SELECT
                x.ord,
                u.user_id,
                u.user_kind,
                2 AS pri
            FROM x
            INNER JOIN dbo.MON_User AS u ON LOWER(x.tok) = LOWER(u.email)
            WHERE x.tok LIKE N'%@%'
        ),

        best AS (
            SELECT
                candidate.ord,
                candidate.user_id,
                candidate.user_kind,
                ROW_NUMBER() OVER (
                    PARTITION BY candidate.ord
                    ORDER BY candidate.pri, CASE candidate.user_kind WHEN 'person' THEN 0 ELSE 1 END, candidate.user_id
                ) AS rn
            FROM candidate
            WHERE candidate.user_id IS NOT NULL
        )

        SELECT
            @items = STRING_AGG(
                CAST(CONCAT(N'{"id":', best.user_id, N',"kind":"', best.user_kind, N'"}') AS nvarchar(MAX)), N','
            ) WITHIN GROUP (ORDER BY x.ord),
            @unresolved = SUM(CASE WHEN best.user_id IS NULL THEN 1 ELSE 0 END)
        FROM x
        LEFT JOIN best ON x.ord = best.ord AND best.rn = 1;
        IF @unresolved > 0
        BEGIN
            RETURN NULL;
        END;
        RETURN N'{"personsAndTeams":[' + COALESCE(@items, N'') + N']}';
    END;
    IF @typ = 'dropdown'
    BEGIN
        WITH x AS (
            SELECT
                CAST(s.[key] AS int) AS ord,
                LTRIM(RTRIM(s.value)) COLLATE DATABASE_DEFAULT AS tok
            FROM OPENJSON(N'["' + REPLACE(STRING_ESCAPE(@t, 'json'), N',', N'","') + N'"]') AS s
            WHERE LEN(LTRIM(RTRIM(s.value))) > 0
        ),

        lbl AS (
            SELECT
                l.label_id,
                l.label_text
            FROM dbo.fn_MON_Private_ColumnLabels(@settings) AS l
        ),

        candidate AS (
            SELECT
                x.ord,
                lbl.label_id,
                lbl.label_text,
                CASE WHEN lbl.label_text = x.tok COLLATE Latin1_General_100_BIN2 THEN 0 ELSE 1 END AS pri
            FROM x
            INNER JOIN lbl ON LOWER(x.tok) = LOWER(lbl.label_text)
            UNION ALL
            SELECT
                x.ord,
                lbl.label_id,
                lbl.label_text,
                2 AS pri
            FROM x
            INNER JOIN lbl ON lbl.label_id = TRY_CONVERT(int, x.tok)
            WHERE x.tok NOT LIKE N'%[^0-9]%' AND LEN(x.tok) BETWEEN 1 AND 9
        ),

        best AS (
            SELECT
                candidate.ord,
                candidate.label_id,
                candidate.label_text,
                ROW_NUMBER() OVER (PARTITION BY candidate.ord ORDER BY candidate.pri, candidate.label_id) AS rn
            FROM candidate
        )

        SELECT
            @items = STRING_AGG(CAST(CONCAT(best.label_id, N'') AS nvarchar(MAX)), N',') WITHIN GROUP (ORDER BY x.ord),
            @a = STRING_AGG(
                CAST(N'"' + STRING_ESCAPE(COALESCE(best.label_text, x.tok), 'json') + N'"' AS nvarchar(MAX)), N','
            ) WITHIN GROUP (ORDER BY x.ord),
            @unresolved = SUM(CASE WHEN best.label_id IS NULL THEN 1 ELSE 0 END)
        FROM x
        LEFT JOIN best ON x.ord = best.ord AND best.rn = 1;
        IF @unresolved = 0
        BEGIN
            RETURN N'{"ids":[' + COALESCE(@items, N'') + N']}';
        END;
        RETURN N'{"labels":[' + COALESCE(@a, N'') + N']}';
    END;
    IF @typ IN ('email', 'link')
    BEGIN
        SET @p = CHARINDEX(N' ', @t);
        SET @a = CASE WHEN @p = 0 THEN @t ELSE LEFT(@t, @p - 1) END;
        SET @b = CASE WHEN @p = 0 THEN @a ELSE LTRIM(SUBSTRING(@t, @p + 1, LEN(@t))) END;
        RETURN CASE @typ
            WHEN 'email'
                THEN N'{"email":"' + STRING_ESCAPE(@a, 'json') + N'","text":"' + STRING_ESCAPE(@b, 'json') + N'"}'
            ELSE N'{"url":"' + STRING_ESCAPE(@a, 'json') + N'","text":"' + STRING_ESCAPE(@b, 'json') + N'"}'
        END;
    END;
    IF @typ = 'phone'
    BEGIN
        IF @t COLLATE Latin1_General_100_BIN2 NOT LIKE N'% [A-Za-z][A-Za-z]'
        BEGIN
            RETURN NULL;
        END;
        SET @a = RTRIM(LEFT(@t, LEN(@t) - 2));
        SET @a = REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(@a, N' ', N''), N'(', N''), N')', N''), N'.', N''), N'-', N'');
        RETURN N'{"phone":"' + STRING_ESCAPE(@a, 'json') + N'","countryShortName":"' + UPPER(RIGHT(@t, 2)) + N'"}';
    END;
    IF @typ = 'checkbox'
    BEGIN
        RETURN CASE
            WHEN LOWER(@t) IN (N'true', N'1', N'yes', N'y') THEN N'{"checked":"true"}'
            WHEN LOWER(@t) IN (N'false', N'0', N'no', N'n') THEN N'null'
        END;
    END;
    IF @typ = 'hour'
    BEGIN
        IF @t NOT LIKE N'[0-9]:[0-9][0-9]' AND @t NOT LIKE N'[0-9][0-9]:[0-9][0-9]'
            AND @t NOT LIKE N'[0-9]:[0-9][0-9]:[0-9][0-9]' AND @t NOT LIKE N'[0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        BEGIN
            RETURN NULL;
        END;
        SET @p = CHARINDEX(N':', @t);
        IF TRY_CONVERT(int, LEFT(@t, @p - 1)) > 23 OR TRY_CONVERT(int, SUBSTRING(@t, @p + 1, 2)) > 59
        BEGIN
            RETURN NULL;
        END;
        RETURN CONCAT(
            N'{"hour":', TRY_CONVERT(int, LEFT(@t, @p - 1)),
            N',"minute":', TRY_CONVERT(int, SUBSTRING(@t, @p + 1, 2)), N'}'
        );
    END;
    IF @typ = 'rating'
    BEGIN
        IF @t LIKE N'%[^0-9]%' OR LEN(@t) > 4
        BEGIN
            RETURN NULL;
        END;
        RETURN CONCAT(N'{"rating":', TRY_CONVERT(int, @t), N'}');
    END;
    IF @typ = 'country'
    BEGIN
        IF @t COLLATE Latin1_General_100_BIN2 NOT LIKE N'[A-Za-z][A-Za-z]'
            AND @t COLLATE Latin1_General_100_BIN2 NOT LIKE N'[A-Za-z][A-Za-z] %'
        BEGIN
            RETURN NULL;
        END;
        SET @b = LTRIM(SUBSTRING(@t, 3, LEN(@t)));
        RETURN N'{"countryCode":"' + UPPER(LEFT(@t, 2)) + N'","countryName":"'
            + STRING_ESCAPE(CASE WHEN LEN(@b) > 0 THEN @b ELSE UPPER(LEFT(@t, 2)) END, 'json') + N'"}';
    END;
    RETURN NULL;
END;
GO
