"""monday.com application errors (2025-01+ format: HTTP 200, ``errors[].extensions.code``)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

CHANGE_VALUES_DOC = "https://developer.monday.com/api-reference/docs/change-column-values"
INVALID_VALUE_MESSAGE = (
    "invalid value, please check our API documentation for the correct data structure for this column. "
    + CHANGE_VALUES_DOC
)


class MondayError(Exception):
    """An application-level error as monday reports it inside ``errors[]``.

    ``status_code`` goes into ``extensions.status_code``; the HTTP status of the response stays 200
    (monday's 2025-01+ behaviour for application errors).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status_code: int = 200,
        error_data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status_code = status_code
        self.error_data = error_data or {}
        # graphql-core copies ``extensions`` of the original error into errors[].extensions.
        self.extensions: dict[str, Any] = {
            "code": code,
            "status_code": status_code,
            "error_data": self.error_data,
            "service": "monolith",
        }

    def to_graphql(self) -> GraphQLError:
        return GraphQLError(self.message, extensions=self.extensions, original_error=self)


# monday reports a few columns by their internal type name (recorded: status -> "color").
ERROR_TYPE_NAMES = {"status": "color"}


def column_value_error(column_id: str, column_type: str, message: str = INVALID_VALUE_MESSAGE,
                       value: Any = None) -> MondayError:
    data: dict[str, Any] = {"column_type": ERROR_TYPE_NAMES.get(column_type, column_type), "column_id": column_id}
    if value is not None:
        data["column_value"] = value if isinstance(value, str) else repr(value)
    return MondayError("ColumnValueException", message, error_data=data)


def corrected_value_error(column_id: str, column_type: str) -> MondayError:
    return MondayError(
        "CorrectedValueException",
        f"The value type is not supported for a {column_type} column. Please use a JSON value. "
        + CHANGE_VALUES_DOC,
        error_data={"column_id": column_id, "column_type": column_type},
    )
