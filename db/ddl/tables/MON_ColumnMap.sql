-- MON_ColumnMap: query aliases that are neither a column id nor a column title, mapped to a column id
-- per board (board_id NULL: any board). Looked up after the id and the normalised title.
IF OBJECT_ID(N'dbo.MON_ColumnMap', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.MON_ColumnMap (
        map_id int IDENTITY (1, 1) NOT NULL,
        board_id bigint NULL,
        source_alias nvarchar(128) NOT NULL,
        column_id varchar(100) NOT NULL,
        created_at datetime2(3) NOT NULL CONSTRAINT DF_MON_ColumnMap_created_at DEFAULT (SYSUTCDATETIME()),
        created_by nvarchar(128) NOT NULL CONSTRAINT DF_MON_ColumnMap_created_by DEFAULT (ORIGINAL_LOGIN()),
        CONSTRAINT PK_MON_ColumnMap PRIMARY KEY CLUSTERED (map_id),
        CONSTRAINT UQ_MON_ColumnMap_board_alias UNIQUE (board_id, source_alias)
    );
END;
GO
