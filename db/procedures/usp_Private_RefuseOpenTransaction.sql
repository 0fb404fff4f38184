-- usp_Private_RefuseOpenTransaction: refuses a call made inside the caller's open transaction (50960).
-- Internal helper: every public procedure that commits its own work calls it after its @help text and its
-- SET NOCOUNT / SET XACT_ABORT ON, and before its parameter checks and its run-log row, so that nothing has
-- changed yet. Such a procedure cannot keep a caller's transaction whole: its CATCH rolls back (ROLLBACK
-- ends every level of nesting) and XACT_ABORT dooms the caller's work with its own. Refused:
--   * @@TRANCOUNT > 0: an explicit BEGIN TRANSACTION, or a call through INSERT ... EXEC (the INSERT's
--     statement transaction counts in @@TRANCOUNT): capture the result set another way;
--   * IMPLICIT_TRANSACTIONS ON ((@@OPTIONS & 2) = 2: SET IMPLICIT_TRANSACTIONS ON, SET ANSI_DEFAULTS ON, a
--     driver with autocommit off - ODBC, JDBC, pyodbc - or a manual-commit query window): @@TRANCOUNT is
--     still 0 here, but the procedure's first write would open a transaction that stays open after it
--     returns, with its locks on the owner's staging tables, until the client commits or rolls it back.
-- It raises with XACT_ABORT OFF (set here, for its own scope), so the refusal itself ends no transaction:
-- the caller's stays open and committable (XACT_STATE() = 1). Twin of
-- db/postgres/procedures/usp_Private_RefuseOpenTransaction.sql.
--
--   EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N'usp_ReleaseBatch';
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_Private_RefuseOpenTransaction', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_Private_RefuseOpenTransaction AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_Private_RefuseOpenTransaction
    @proc_name nvarchar(128)
AS
BEGIN
    SET NOCOUNT ON;
    -- the setting reverts when this procedure returns; a THROW under XACT_ABORT ON would roll back the
    -- caller's transaction
    SET XACT_ABORT OFF;

    IF @@TRANCOUNT > 0
    BEGIN
        DECLARE @msg nvarchar(2048) = CONCAT(
            N'dbo.', @proc_name, N' commits its own work and cannot run inside an open transaction (@@TRANCOUNT = ',
            @@TRANCOUNT, N'; a BEGIN TRANSACTION, or a call through INSERT ... EXEC): nothing was done and the',
            N' transaction is still open. Commit or roll it back, then call dbo.', @proc_name,
            N' outside a transaction (not through INSERT ... EXEC).'
        );
        THROW 50960, @msg, 1;
    END;
    IF (@@OPTIONS & 2) = 2
    BEGIN
        DECLARE @implicit nvarchar(2048) = CONCAT(
            N'dbo.', @proc_name, N' commits its own work and cannot run with IMPLICIT_TRANSACTIONS ON (SET',
            N' IMPLICIT_TRANSACTIONS ON, SET ANSI_DEFAULTS ON, or a driver with autocommit off): its work would stay',
            N' in a transaction left open after it returns. Nothing was done. Run SET IMPLICIT_TRANSACTIONS OFF (or',
            N' turn autocommit on), then call dbo.', @proc_name, N' again.'
        );
        THROW 50960, @implicit, 1;
    END;
END;
GO
