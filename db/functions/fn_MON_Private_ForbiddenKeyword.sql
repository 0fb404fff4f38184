-- fn_MON_Private_ForbiddenKeyword: the first keyword of a blanked query text (fn_MON_Private_BlankQueryText)
-- that changes data or schema, runs code or leaves the database, or NULL when there is none.
-- usp_StageUpdates refuses such a query. Words match whole and in any case (update_fields and created_at
-- are fine); quoted identifiers and strings were blanked before. Same word list as the PostgreSQL twin.
CREATE OR ALTER FUNCTION dbo.fn_MON_Private_ForbiddenKeyword(@blanked nvarchar(MAX))
RETURNS varchar(30)
AS
BEGIN
    DECLARE @word varchar(30);
    DECLARE @text nvarchar(MAX) = N' ' + LOWER(@blanked) + N' ';

    WITH k AS (
        SELECT v.word
        FROM (
            VALUES
            ('insert'), ('update'), ('delete'), ('merge'), ('truncate'), ('drop'), ('alter'), ('create'), ('exec'),
            ('execute'), ('grant'), ('revoke'), ('deny'), ('into'), ('backup'), ('restore'), ('dbcc'), ('kill'),
            ('shutdown'), ('waitfor'), ('bulk'), ('openrowset'), ('opendatasource'), ('openquery'), ('openxml'),
            ('reconfigure'), ('copy'), ('call'), ('vacuum'), ('reindex'), ('cluster'), ('refresh'), ('notify'),
            ('listen'), ('prepare'), ('discard'), ('setval'), ('nextval'), ('pg_terminate_backend'),
            ('pg_cancel_backend'), ('pg_reload_conf'), ('lo_import'), ('lo_export'), ('lo_unlink'), ('dblink'),
            ('dblink_exec'), ('set_config'), ('xp_cmdshell'), ('commit'), ('rollback'), ('begin'), ('declare'),
            ('set'), ('use'), ('lock')
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
