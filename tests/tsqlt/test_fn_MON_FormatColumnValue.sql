-- tSQLt class test_fn_MON_FormatColumnValue: mirrors tests/contract/test_format_value.py. SQL Server only:
--   EXEC tSQLt.RunTestClass 'test_fn_MON_FormatColumnValue';
EXEC tSQLt.NewTestClass 'test_fn_MON_FormatColumnValue';
GO

CREATE PROCEDURE test_fn_MON_FormatColumnValue.SetUp
AS
BEGIN
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_User', @Defaults = 1;
    INSERT INTO dbo.MON_User (user_id, user_kind, email) VALUES (4616627, 'person', N'pat@example.com');
END;
GO

CREATE PROCEDURE test_fn_MON_FormatColumnValue.[test every column type gives its monday write value]
AS
BEGIN
    DECLARE @labels nvarchar(MAX) = N'{"labels": [{"id": 7, "label": "In Progress"}, {"id": 11, "label": "2024"}]}';
    SELECT
        t.column_type,
        t.raw_value,
        dbo.fn_MON_FormatColumnValue(t.column_type, t.raw_value, t.settings_json) AS actual
    INTO #Actual
    FROM (
        VALUES
        ('status', N'In Progress', @labels),
        ('status', N'2024', @labels),
        ('status', N'New label', @labels),
        ('date', N'2026-06-15', NULL),
        ('date', N'2026-06-15T01:30:00+02:00', NULL),
        ('numbers', N' 12.5000 ', NULL),
        ('people', N'pat@example.com', NULL),
        ('checkbox', N'true', NULL),
        ('checkbox', N'false', NULL),
        ('hour', N'09:05', NULL),
        ('phone', N'+1 (202) 555-0169 us', NULL),
        ('timeline', N'2026-06-01/2026-06-30', NULL),
        ('text', NULL, NULL),
        ('formula', N'1', NULL)
    ) AS t(column_type, raw_value, settings_json);

    SELECT TOP (0)
        a.column_type,
        a.raw_value,
        a.actual
    INTO #Expected
    FROM #Actual AS a;
    INSERT INTO #Expected (column_type, raw_value, actual)
    VALUES
    ('status', N'In Progress', N'{"index":7}'),
    ('status', N'2024', N'{"index":11}'),
    ('status', N'New label', N'{"label":"New label"}'),
    ('date', N'2026-06-15', N'{"date":"2026-06-15"}'),
    ('date', N'2026-06-15T01:30:00+02:00', N'{"date":"2026-06-14","time":"23:30:00"}'),
    ('numbers', N' 12.5000 ', N'"12.5"'),
    ('people', N'pat@example.com', N'{"personsAndTeams":[{"id":4616627,"kind":"person"}]}'),
    ('checkbox', N'true', N'{"checked":"true"}'),
    ('checkbox', N'false', N'null'),
    ('hour', N'09:05', N'{"hour":9,"minute":5}'),
    ('phone', N'+1 (202) 555-0169 us', N'{"phone":"+12025550169","countryShortName":"US"}'),
    ('timeline', N'2026-06-01/2026-06-30', N'{"from":"2026-06-01","to":"2026-06-30"}'),
    ('text', NULL, N'""'),
    ('formula', N'1', NULL);
    EXEC tSQLt.AssertEqualsTable '#Expected', '#Actual';
END;
GO
