-- fn_MON_Private_ForbiddenKeyword: the first keyword of a blanked query text (fn_MON_Private_BlankQueryText)
-- that changes data or schema, runs code or leaves the database, or NULL when there is none.
-- usp_StageUpdates refuses such a query. Words match whole and in any case (update_fields and created_at
-- are fine); quoted identifiers and strings were blanked before. The words are T-SQL's (statements that
-- change data, schema, permissions or the server, run code, or end or start a transaction); the PostgreSQL
-- twin lists PostgreSQL's, so a column named like a word of the other engine (copy, vacuum) stages.
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_ForbiddenKeyword;
GO
CREATE FUNCTION dbo.fn_MON_Private_ForbiddenKeyword(@blanked nvarchar(MAX))
RETURNS varchar(30)
AS
BEGIN
    DECLARE @word varchar(30);
    -- lower case under a binary collation: the same letters on every database collation (under a Turkish one
    -- LOWER('I') is a dotless i, and an upper-case INSERT or WHILE would not be found)
    DECLARE @text nvarchar(MAX) = N' ' + LOWER(@blanked COLLATE Latin1_General_100_BIN2) + N' ';

    WITH k AS (
        SELECT v.word
        FROM (
            VALUES
            ('insert'), ('update'), ('delete'), ('merge'), ('truncate'), ('drop'), ('alter'), ('create'), ('exec'),
            ('execute'), ('grant'), ('revoke'), ('deny'), ('into'), ('backup'), ('restore'), ('dbcc'), ('kill'),
            ('shutdown'), ('waitfor'), ('bulk'), ('openrowset'), ('opendatasource'), ('openquery'), ('openxml'),
            ('reconfigure'), ('xp_cmdshell'), ('writetext'), ('updatetext'), ('checkpoint'), ('receive'),
            ('enable'), ('disable'), ('commit'), ('rollback'), ('save'), ('begin'), ('declare'), ('set'), ('use'),
            -- control of flow: reserved words, so never an unquoted column name; after a SELECT's ORDER BY they would
            -- start a second statement
            ('while'), ('if'), ('print'), ('raiserror'), ('throw'), ('goto'), ('return')
        ) AS v(word)
    ),

    f AS (
        SELECT
            k.word,
            PATINDEX(
                N'%[^a-z0-9_@#$]' + REPLACE(k.word, '_', '[_]') + N'[^a-z0-9_@#$]%',
                @text COLLATE Latin1_General_100_BIN2
            ) AS pos
        FROM k
    )

    SELECT TOP (1) @word = UPPER(f.word)
    FROM f
    WHERE f.pos > 0
    ORDER BY f.pos ASC, f.word ASC;

    RETURN @word;
END;
GO
