-- MON_ValidationRule: the validation rules as data. usp_ValidateStagedUpdates applies every enabled
-- rule; setting is_enabled = 'N' or changing severity changes the outcome without code changes.
IF OBJECT_ID(N'dbo.MON_ValidationRule', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.MON_ValidationRule (
        rule_code varchar(50) NOT NULL,
        severity varchar(10) NOT NULL,
        is_enabled char(1) NOT NULL CONSTRAINT DF_MON_ValidationRule_is_enabled DEFAULT ('Y'),
        message_template nvarchar(500) NOT NULL,
        rule_description nvarchar(500) NULL,
        CONSTRAINT PK_MON_ValidationRule PRIMARY KEY CLUSTERED (rule_code),
        CONSTRAINT CK_MON_ValidationRule_severity CHECK (severity IN ('ERROR', 'WARNING')),
        CONSTRAINT CK_MON_ValidationRule_is_enabled CHECK (is_enabled IN ('Y', 'N'))
    );
END;
GO
