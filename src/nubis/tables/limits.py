"""Every DynamoDB number Nubis enforces, each with where it comes from.

Sources: the DynamoDB Developer Guide, "Service, account, and table quotas" page ([D] quotas) and the API
reference of each operation ([D] api/<Op>).
"""

MAX_ITEM_BYTES = 400 * 1024
"""[D] quotas: item size, names and values together, 400 KB."""

MAX_PARTITION_KEY_BYTES = 2048
"""[D] quotas: partition key value, 2048 bytes."""

MAX_SORT_KEY_BYTES = 1024
"""[D] quotas: sort key value, 1024 bytes."""

MAX_NUMBER_DIGITS = 38
"""[D] data types: numbers have up to 38 digits of precision."""

MAX_NUMBER_EXPONENT = 125
"""[D] data types: positive range 1E-130 to 9.9999999999999999999999999999999999999E+125."""

MIN_NUMBER_EXPONENT = -130

MAX_PAGE_BYTES = 1024 * 1024
"""[D] api/Query, api/Scan: a page stops once 1 MB of items was read."""

MAX_BATCH_GET_KEYS = 100
"""[D] api/BatchGetItem: up to 100 items."""

MAX_BATCH_GET_BYTES = 16 * 1024 * 1024
"""[D] api/BatchGetItem: up to 16 MB returned."""

MAX_BATCH_WRITE_ITEMS = 25
"""[D] api/BatchWriteItem: up to 25 put or delete requests."""

MAX_TRANSACT_ITEMS = 100
"""[D] api/TransactWriteItems: up to 100 actions."""

MAX_TRANSACT_BYTES = 4 * 1024 * 1024
"""[D] api/TransactWriteItems: 4 MB aggregate size."""

MAX_EXPRESSION_BYTES = 4096
"""[D] quotas: any expression string, 4 KB."""

MAX_EXPRESSION_ATTRIBUTE_NAME_BYTES = 255
"""[D] quotas: an expression attribute name, 255 bytes."""

MAX_EXPRESSION_ATTRIBUTE_VALUES_BYTES = 2 * 1024 * 1024
"""[D] quotas: ExpressionAttributeValues all together, 2 MB."""

MAX_NESTING_DEPTH = 32
"""[D] data types: documents nest up to 32 levels."""

MAX_OPERANDS_IN = 100
"""[D] quotas: the IN comparator takes up to 100 operands."""

MAX_TABLES_PER_PAGE = 100
"""[D] api/ListTables: Limit is 1 to 100."""

MAX_TAGS_PER_RESOURCE = 50
"""[D] quotas: 50 tags per resource."""

MAX_TABLES_PER_REGION = 2500
"""[D] quotas: 2,500 tables per account and region (the default, adjustable on AWS)."""

MAX_GSI_PER_TABLE = 20
"""[D] quotas: 20 global secondary indexes per table (default)."""

MAX_GSI_KEY_PARTS = 4
"""[D] UpdateTable CreateGlobalSecondaryIndexAction: up to 4 partition and up to 4 sort key attributes."""

MAX_LSI_PER_TABLE = 5
"""[D] quotas: 5 local secondary indexes per table."""

MAX_PROJECTED_ATTRIBUTES = 100
"""[D] quotas: 100 non-key attributes projected across all of a table's indexes."""

ACCOUNT_MAX_READ_CAPACITY = 80000
"""[D] quotas: default per-account read capacity units (DescribeLimits reports it)."""

ACCOUNT_MAX_WRITE_CAPACITY = 80000
TABLE_MAX_READ_CAPACITY = 40000
TABLE_MAX_WRITE_CAPACITY = 40000

READ_UNIT_BYTES = 4096
"""[D] capacity: one read unit is one strongly consistent read of up to 4 KB per second."""

WRITE_UNIT_BYTES = 1024
"""[D] capacity: one write unit is one write of up to 1 KB per second."""

MAX_ITEM_COLLECTION_BYTES = 10 * 1024**3
"""[D] LSI limits: an item collection (a partition's items plus their LSI entries) holds at most 10 GB."""
