-- MON_ColumnType: what the project knows about each monday column type: whether it can be written
-- through the API and in which shape (monday's API documentation). Data, seeded by db/data/MON_ColumnType.sql.
IF OBJECT_ID(N'dbo.MON_ColumnType', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.MON_ColumnType (
        column_type varchar(50) NOT NULL,
        is_writable char(1) NOT NULL,
        value_shape nvarchar(400) NULL,
        notes nvarchar(400) NULL,
        CONSTRAINT PK_MON_ColumnType PRIMARY KEY CLUSTERED (column_type),
        CONSTRAINT CK_MON_ColumnType_is_writable CHECK (is_writable IN ('Y', 'N'))
    );
END;
GO
