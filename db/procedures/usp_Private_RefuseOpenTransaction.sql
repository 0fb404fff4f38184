-- usp_Private_RefuseOpenTransaction: refuses a call made inside the caller's open transaction (50960).
-- Internal helper: every public procedure that commits its own work calls it first, after its @help text and
-- before SET XACT_ABORT ON, its parameter checks and its run-log row, so that nothing has changed yet.
-- Such a procedure cannot keep a caller's transaction whole: its CATCH rolls back (ROLLBACK ends every level
-- of nesting) and XACT_ABORT dooms the caller's work with its own. It raises with XACT_ABORT OFF, so the
-- refusal itself ends no transaction: the caller's stays open and committable (XACT_STATE() = 1). Twin of
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
            @@TRANCOUNT, N'): nothing was done and the transaction is still open. Commit or roll it back, then',
            N' call dbo.', @proc_name, N' outside a transaction.'
        );
        THROW 50960, @msg, 1;
    END;
END;
GO
