"""The PartiQL error messages DynamoDB sends, defined once with their evidence.

Evidence tags (style.md §3.2):

- [V] a conformance suite whose file says its strings were "pinned against real AWS (eu-west-2)": PartiQL
  grammar error messages (``Unexpected token after expression``, ``Unexpected term``, ``Aliasing is not
  supported``, numbers ``under root``, ``Validation failed in TransactStatements[0]: ...``, ``Requested resource
  not found``, ``Overlapping conditions with range keys ...``, ``Where clause does not contain ...``).
- [P] DynamoDB Local (AWS's own emulator; its PartiQL front end ``ddb.partiql.shared`` is decompiled in public
  repositories): the message table ``ValidationExceptionMessages`` and the ``BatchExecuteStatementFunction`` /
  ``ExecuteTransactionFunction`` constants.
- [D] the botocore service model (``BatchStatementErrorCodeEnum``) for the per-statement error codes.
"""

from __future__ import annotations

from typing import Final

NOT_WELL_FORMED: Final = "Statement wasn't well formed, can't be processed: "  # [V] [P] INVALID_STATEMENT
LEFTOVER: Final = "Unexpected token after expression"  # [V]
UNEXPECTED_TERM: Final = "Unexpected term"  # [V] a WHERE with nothing after it
MISSING_RHS: Final = "Missing right-hand side expression of infix operator"  # [V] "... AND" at the end
UNEXPECTED_KEYWORD: Final = "Unexpected keyword"  # [V] "WHERE ORDER BY"
UNEXPECTED_OPERATOR: Final = "Unexpected operator"  # [V] "WHERE IS NULL"
EXPECTED_SIMPLE_PATH: Final = "Expected identifier for simple path"  # [V] "DELETE FROM" with no table
EXPECTED_TYPE_NAME: Final = "Expected type name"  # [V] "x IS FOO"
ALIASING: Final = "Aliasing is not supported"  # [V]

INCOMPLETE_KEY: Final = "Where clause does not contain a mandatory equality on all key attributes"  # [V] [P]
OVERLAPPING: Final = "Overlapping conditions with range keys are not supported in where clause"  # [V] [P]
PARAMETER_COUNT: Final = "Number of parameters in request and statement don't match."  # [P]
DUPLICATE_ITEM: Final = "Duplicate primary key exists in table"  # [P] DUPLICATE_ITEM_IN_TABLE
SCHEMA_KEY_MISMATCH: Final = "Key attribute's data type should match its data type in table's schema: Key {}"  # [P]
MULTIPLE_KEY_CONDITIONS: Final = (
    "Multiple conditions on same key {}. Only single item Update/Insert/Delete are supported"  # [P]
)
NOT_ON_INDEX: Final = "This operation is not supported on an index"  # [P]
UNSUPPORTED_ITEM_SYNTAX: Final = (
    "Unsupported format in item expression. Please use struct format {...} to express item values for insert "
    "statement."  # [P]
)
EMPTY_BAG: Final = "Empty bags are not supported"  # [P]
BAG_TYPES: Final = "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags"  # [P]
TUPLE_KEY_TYPE: Final = "Tuple keys must be of type String. Actual type: {} under {}"  # [P]
DUPLICATE_TUPLE_KEY: Final = "Duplicate keys in tuple. Key: {} under {}"  # [P]
MISSING_NEEDS_IS: Final = "MISSING must be compared using IS operator"  # [P]
IS_OPERAND: Final = "The left hand side argument to IS must be a Variable Reference, Literal, or Path"  # [P]
IS_IN_UPDATE: Final = "IS operator is not supported in update expressions"  # [P]
IS_TYPE: Final = (
    "Unsupported data type for IS operator: {}. Supported data types are [MISSING, NULL, BOOLEAN, BLOB, STRING, "
    "NUMERIC, STRUCT, TUPLE, LIST]"  # [P]
)
WHERE_NOT_BOOLEAN: Final = "WHERE clause must contain an expression that resolves to a boolean"  # [P]
UNRECOGNIZED_FUNCTION: Final = "Unrecognized function: {}"  # [P]
UNSUPPORTED_UPDATE_OP: Final = "Unsupported operator in Update Expression. Operator: {}"  # [P]
SET_FN_ARGS: Final = "SET_{} must have exactly two arguments"  # [P]
SET_FN_FIRST_ARG: Final = "The first argument to SET_{} must equal the assignment value"  # [P]
STAR_AND_OTHERS: Final = "Other attributes should not be present in the projection when '*' is used."  # [P]
DUPLICATE_PROJECTION: Final = "Duplicate identifiers in select clause: {}"  # [P]
PATH_STARTS_WITH_INDEX: Final = "A path cannot start with a list index"  # [P]
INVALID_DELETE_RETURNING: Final = (
    "Invalid returning clause: RETURNING {}. Only RETURNING ALL OLD * is allowed in DELETE statements."  # [P]
)
EXISTS_OUTSIDE_TRANSACTION: Final = "EXISTS can only be used in ExecuteTransaction write requests."  # [P]
ORDER_BY_NEEDS_WHERE: Final = "Must have WHERE clause in the statement when using ORDER BY clause."  # [P]
ORDER_BY_NEEDS_HASH: Final = (
    "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause."  # [P]
)
ORDER_BY_KEY_ONLY: Final = "Variable reference {} in ORDER BY clause must be part of the primary key"  # [P]
ORDER_BY_MULTIPLE_HASH: Final = (
    "Must have hash key in ORDER BY clause when more than one hash key condition specified in WHERE clause."  # [P]
)
UNEXPECTED_PATH_COMPONENT: Final = "Unexpected path component at {}"  # [V] a function in the SELECT list
UNSUPPORTED_ITEM_VALUE: Final = "Unsupported data type: {} under key root at {}"  # [V] set_add, [P] MISSING
AT: Final = " at {}"  # [V] the position AWS appends to some messages: ``line:column:length``
SET_FN_SECOND_ARG: Final = "The second argument to SET_{} must be a value with type SET at {}"  # [V]
FUNCTION_NOT_IN_UPDATE: Final = "The function is not allowed in an update expression; function: {}"  # [P]
OPERAND_COUNT: Final = (
    "Incorrect number of operands for operator or function; operator or function: {}, number of operands: {}"  # [V]
)
IN_OPERANDS: Final = (
    "IN operator must have a left hand argument of type Variable Reference and right hand argument of type Seq "
    "with at least one member"  # [P]
)
BATCH_SELECT_KEY: Final = (
    "Select statements within BatchExecuteStatement must specify the primary key in the where clause."  # [V]
)
EXISTS_NEEDS_CONDITION: Final = "EXISTS() must contain a single item read with additional condition"  # [V] [P]
RETURNING_IN_TRANSACTION: Final = "RETURNING clause is not supported in ExecuteTransaction."  # [P]
INSERT_ON_INDEX: Final = (
    "FROM clause may only contain a single table name in data manipulation statements"  # [P] INSERT INTO "t"."i"
)
INSERT_MISSING_KEY: Final = "Key attribute should be present in the item: Key {}"  # [P]
INVALID_NEXT_TOKEN: Final = "Invalid NextToken"  # [P]
NEXT_TOKEN_MISMATCH: Final = "NextToken does not match request"  # [P]
BATCH_MIXED: Final = "Read and write requests together in the same batch is not supported."  # [P]
TRANSACTION_MIXED: Final = (
    "ExecuteTransaction API does not support both read and write operations in the same request."  # [P]
)
TRANSACTION_SELECT_KEY: Final = (
    "Select statements within ExecuteTransaction must specify the primary key in the where clause."  # [P]
)
TRANSACTION_INDEX_READ: Final = "Reads on indices are not supported within transactions."  # [P]
TRANSACTION_INDEX_WRITE: Final = "Operations on indices are not supported in transactions"  # [P]
TRANSACTION_STATEMENT: Final = "Validation failed in TransactStatements[{}]: {}"  # [V] a parse error's envelope
UNSUPPORTED_IN_TRANSACTION: Final = "Unsupported operation in transaction."  # [P]


def not_well_formed(detail: str = "") -> str:
    return NOT_WELL_FORMED + detail
