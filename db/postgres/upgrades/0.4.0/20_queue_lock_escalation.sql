-- Schema 0.4.0, step 20: twin of db/upgrades/0.4.0/20_queue_lock_escalation.sql, which sets SQL Server's
-- MON_UpdateQueue back at the default lock escalation (TABLE) now that release and cancel write in committed
-- chunks. PostgreSQL keeps row locks in the rows and never escalates them: nothing to change here.
SELECT 1 WHERE false;
