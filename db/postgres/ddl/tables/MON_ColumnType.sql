-- MON_ColumnType: what the project knows about each monday column type: whether it can be written
-- through the API and in which shape (monday's API documentation). Data, seeded by db/data/MON_ColumnType.sql.
CREATE TABLE IF NOT EXISTS dbo.MON_ColumnType (
    column_type varchar(50) NOT NULL,
    is_writable char(1) NOT NULL,
    value_shape varchar(400) NULL,
    notes varchar(400) NULL,
    CONSTRAINT PK_MON_ColumnType PRIMARY KEY (column_type),
    CONSTRAINT CK_MON_ColumnType_is_writable CHECK (is_writable IN ('Y', 'N'))
);
