-- usp_Private_RefuseOpenTransaction: refuses a call made inside the caller's open transaction, then starts the
-- procedure's own transaction at READ COMMITTED. Twin of db/procedures/usp_Private_RefuseOpenTransaction.sql.
-- Internal helper: the public shell of every procedure that commits its own work calls it first, before its
-- work routine, so that nothing has changed yet:
--   * a caller's transaction that has written (it holds a transaction id) is refused with 50960;
--   * its COMMIT ends the call's own empty transaction; inside a caller's transaction block that has not
--     written yet PostgreSQL refuses that COMMIT itself (SQLSTATE 2D000, "invalid transaction termination").
--     This is also PostgreSQL's answer to SQL Server's IMPLICIT_TRANSACTIONS: a driver with autocommit off
--     (psqlODBC, psycopg, JDBC) opens a transaction block before the CALL, and the call is refused, never
--     left uncommitted in a transaction that stays open after it returns;
--     in both cases the caller's transaction is aborted (any error aborts a PostgreSQL transaction block) and
--     must be rolled back: nothing of it is committed, nothing of the call was done;
--   * the transaction the work then runs in is READ COMMITTED whatever default_transaction_isolation the
--     session has (the procedures lock what they check: FOR UPDATE, see docs/sql_conventions.md).
-- SECURITY INVOKER without a SET clause (a procedure with either cannot COMMIT); it touches no table.
--
--   CALL dbo.usp_Private_RefuseOpenTransaction(p_proc_name => 'usp_ReleaseBatch');
CREATE OR REPLACE PROCEDURE dbo.usp_Private_RefuseOpenTransaction(
    p_proc_name varchar
)
LANGUAGE plpgsql
AS $$
BEGIN
    IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '50960', MESSAGE = format(
            'dbo.%s commits its own work and cannot run inside an open transaction (this one has written): nothing was done. Roll the transaction back, then call dbo.%s outside a transaction.',
            p_proc_name, p_proc_name);
    END IF;
    COMMIT;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
END;
$$;
