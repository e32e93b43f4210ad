// The AWS SDK for JavaScript v3 (@aws-sdk/client-dynamodb and the lib-dynamodb DocumentClient), run unchanged
// against a Nubis server. Self-checking: any failed assertion exits non-zero; on success it prints a JSON summary.
//
//   node sdk_v3.mjs http://127.0.0.1:8000        (or NUBIS_ENDPOINT=... node sdk_v3.mjs)
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";

import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand as LowLevelQueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  paginateQuery,
  paginateScan,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  paginateQuery as paginateDocQuery,
} from "@aws-sdk/lib-dynamodb";

const endpoint = process.argv[2] ?? process.env.NUBIS_ENDPOINT;
if (!endpoint) {
  console.error("usage: node sdk_v3.mjs ENDPOINT_URL (or set NUBIS_ENDPOINT)");
  process.exit(2);
}

const client = new DynamoDBClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
  maxAttempts: 1,
});
const doc = DynamoDBDocumentClient.from(client, {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});

const suffix = `${process.pid}${randomBytes(3).toString("hex")}`;
const TABLE = `jssdk_orders_${suffix}`;
const checks = [];
const check = (name) => checks.push(name);

async function expectReject(promise, ErrorClass) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ErrorClass, `expected ${ErrorClass.name}, got ${error?.name}: ${error?.message}`);
    assert.equal(error.name, ErrorClass.name);
    return error;
  }
  assert.fail(`expected ${ErrorClass.name}, the call succeeded`);
}

// --- control plane: CreateTable with a GSI and an LSI, the waiter, DescribeTable ----------------------------------
const created = await client.send(
  new CreateTableCommand({
    TableName: TABLE,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "customer", AttributeType: "S" },
      { AttributeName: "orderId", AttributeType: "S" },
      { AttributeName: "status", AttributeType: "S" },
      { AttributeName: "placedAt", AttributeType: "N" },
      { AttributeName: "amount", AttributeType: "N" },
    ],
    KeySchema: [
      { AttributeName: "customer", KeyType: "HASH" },
      { AttributeName: "orderId", KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: "byStatus",
        KeySchema: [
          { AttributeName: "status", KeyType: "HASH" },
          { AttributeName: "placedAt", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["amount"] },
      },
    ],
    LocalSecondaryIndexes: [
      {
        IndexName: "byAmount",
        KeySchema: [
          { AttributeName: "customer", KeyType: "HASH" },
          { AttributeName: "amount", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "KEYS_ONLY" },
      },
    ],
  }),
);
assert.equal(created.TableDescription.TableName, TABLE);
const waited = await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 2 }, { TableName: TABLE });
assert.equal(waited.state, "SUCCESS");
check("CreateTable+waitUntilTableExists");

const { Table: described } = await client.send(new DescribeTableCommand({ TableName: TABLE }));
assert.equal(described.TableStatus, "ACTIVE");
assert.equal(described.GlobalSecondaryIndexes.length, 1);
assert.equal(described.GlobalSecondaryIndexes[0].IndexName, "byStatus");
assert.equal(described.GlobalSecondaryIndexes[0].IndexStatus, "ACTIVE");
assert.deepEqual(described.GlobalSecondaryIndexes[0].Projection, {
  ProjectionType: "INCLUDE",
  NonKeyAttributes: ["amount"],
});
assert.equal(described.LocalSecondaryIndexes.length, 1);
assert.equal(described.LocalSecondaryIndexes[0].IndexName, "byAmount");
assert.match(described.TableArn, new RegExp(`^arn:aws:dynamodb:us-east-1:\\d{12}:table/${TABLE}$`));
assert.match(described.LocalSecondaryIndexes[0].IndexArn, new RegExp(`table/${TABLE}/index/byAmount$`));
assert.equal(described.BillingModeSummary.BillingMode, "PAY_PER_REQUEST");
const listed = await client.send(new ListTablesCommand({}));
assert.ok(listed.TableNames.includes(TABLE));
check("DescribeTable+ListTables");

// --- items: PutItem / GetItem / UpdateItem with conditions ------------------------------------------------------
const order = (customer, orderId, status, placedAt, amount) => ({
  customer: { S: customer },
  orderId: { S: orderId },
  status: { S: status },
  placedAt: { N: String(placedAt) },
  amount: { N: String(amount) },
  note: { S: `order ${orderId}` },
});
await client.send(
  new PutItemCommand({
    TableName: TABLE,
    Item: order("alice", "o001", "NEW", 100, 25),
    ConditionExpression: "attribute_not_exists(customer)",
  }),
);
const duplicate = await expectReject(
  client.send(
    new PutItemCommand({
      TableName: TABLE,
      Item: order("alice", "o001", "NEW", 100, 99),
      ConditionExpression: "attribute_not_exists(customer)",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    }),
  ),
  ConditionalCheckFailedException,
);
assert.equal(duplicate.$metadata.httpStatusCode, 400);
assert.equal(duplicate.Item.amount.N, "25");
check("PutItem conditional (ConditionalCheckFailedException with Item)");

const got = await client.send(
  new GetItemCommand({ TableName: TABLE, Key: { customer: { S: "alice" }, orderId: { S: "o001" } }, ConsistentRead: true }),
);
assert.deepEqual(got.Item, order("alice", "o001", "NEW", 100, 25));
const projected = await client.send(
  new GetItemCommand({
    TableName: TABLE,
    Key: { customer: { S: "alice" }, orderId: { S: "o001" } },
    ProjectionExpression: "#s, amount",
    ExpressionAttributeNames: { "#s": "status" },
  }),
);
assert.deepEqual(projected.Item, { status: { S: "NEW" }, amount: { N: "25" } });
const missing = await client.send(
  new GetItemCommand({ TableName: TABLE, Key: { customer: { S: "nobody" }, orderId: { S: "x" } } }),
);
assert.equal(missing.Item, undefined);
check("GetItem (+projection, missing item)");

const updated = await client.send(
  new UpdateItemCommand({
    TableName: TABLE,
    Key: { customer: { S: "alice" }, orderId: { S: "o001" } },
    UpdateExpression: "SET #s = :paid, amount = amount + :extra ADD tags :t REMOVE note",
    ConditionExpression: "#s = :new AND amount < :limit",
    ExpressionAttributeNames: { "#s": "status" },
    ExpressionAttributeValues: {
      ":paid": { S: "PAID" },
      ":new": { S: "NEW" },
      ":extra": { N: "5" },
      ":limit": { N: "1000" },
      ":t": { SS: ["gift"] },
    },
    ReturnValues: "ALL_NEW",
  }),
);
assert.equal(updated.Attributes.status.S, "PAID");
assert.equal(updated.Attributes.amount.N, "30");
assert.deepEqual(updated.Attributes.tags.SS, ["gift"]);
assert.equal(updated.Attributes.note, undefined);
await expectReject(
  client.send(
    new UpdateItemCommand({
      TableName: TABLE,
      Key: { customer: { S: "alice" }, orderId: { S: "o001" } },
      UpdateExpression: "SET #s = :x",
      ConditionExpression: "#s = :new",
      ExpressionAttributeNames: { "#s": "status" },
      ExpressionAttributeValues: { ":x": { S: "CANCELLED" }, ":new": { S: "NEW" } },
    }),
  ),
  ConditionalCheckFailedException,
);
check("UpdateItem conditional (ReturnValues ALL_NEW, failure)");

// --- batches -----------------------------------------------------------------------------------------------------
const batchOrders = [];
for (let i = 2; i <= 24; i++) {
  const customer = i % 2 === 0 ? "alice" : "bob";
  batchOrders.push(order(customer, `o${String(i).padStart(3, "0")}`, i % 3 === 0 ? "PAID" : "NEW", 100 + i, i * 10));
}
let pending = { [TABLE]: batchOrders.map((Item) => ({ PutRequest: { Item } })) };
while (Object.keys(pending).length) {
  const chunk = { [TABLE]: pending[TABLE].slice(0, 25) };
  const rest = pending[TABLE].slice(25);
  const out = await client.send(new BatchWriteItemCommand({ RequestItems: chunk }));
  const unprocessed = out.UnprocessedItems?.[TABLE] ?? [];
  const next = [...unprocessed, ...rest];
  pending = next.length ? { [TABLE]: next } : {};
}
const batchGot = await client.send(
  new BatchGetItemCommand({
    RequestItems: {
      [TABLE]: {
        Keys: [
          { customer: { S: "alice" }, orderId: { S: "o002" } },
          { customer: { S: "bob" }, orderId: { S: "o003" } },
          { customer: { S: "bob" }, orderId: { S: "o999" } },
        ],
        ProjectionExpression: "orderId, amount",
      },
    },
  }),
);
assert.deepEqual(Object.keys(batchGot.UnprocessedKeys ?? {}), []);
assert.deepEqual(batchGot.Responses[TABLE].map((item) => item.orderId.S).sort(), ["o002", "o003"]);
await client.send(
  new BatchWriteItemCommand({
    RequestItems: { [TABLE]: [{ DeleteRequest: { Key: { customer: { S: "bob" }, orderId: { S: "o023" } } } }] },
  }),
);
check("BatchWriteItem+BatchGetItem");
// alice: o001 (PAID, 30) and o002..o024 even -> 13 orders; bob: o003..o021 odd -> 10 orders (o023 deleted).

// --- Query: table, GSI, LSI, with pagination --------------------------------------------------------------------
async function collect(paginator) {
  const items = [];
  let pages = 0;
  for await (const page of paginator) {
    pages += 1;
    items.push(...page.Items);
  }
  return { items, pages };
}
const tableQuery = await collect(
  paginateQuery(
    { client, pageSize: 5 },
    {
      TableName: TABLE,
      KeyConditionExpression: "customer = :c AND orderId BETWEEN :a AND :b",
      ExpressionAttributeValues: { ":c": { S: "alice" }, ":a": { S: "o001" }, ":b": { S: "o020" } },
    },
  ),
);
assert.deepEqual(
  tableQuery.items.map((item) => item.orderId.S),
  ["o001", "o002", "o004", "o006", "o008", "o010", "o012", "o014", "o016", "o018", "o020"],
);
assert.ok(tableQuery.pages >= 3, `expected several pages, got ${tableQuery.pages}`);
const reversed = await collect(
  paginateQuery(
    { client, pageSize: 4 },
    {
      TableName: TABLE,
      KeyConditionExpression: "customer = :c AND begins_with(orderId, :p)",
      FilterExpression: "amount > :min",
      ExpressionAttributeValues: { ":c": { S: "bob" }, ":p": { S: "o0" }, ":min": { N: "100" } },
      ScanIndexForward: false,
    },
  ),
);
assert.deepEqual(
  reversed.items.map((item) => item.orderId.S),
  ["o021", "o019", "o017", "o015", "o013", "o011"],
);
check("Query table (paginateQuery, BETWEEN, begins_with, filter, descending)");

const gsiQuery = await collect(
  paginateQuery(
    { client, pageSize: 2 },
    {
      TableName: TABLE,
      IndexName: "byStatus",
      KeyConditionExpression: "#s = :paid AND placedAt >= :since",
      ExpressionAttributeNames: { "#s": "status" },
      ExpressionAttributeValues: { ":paid": { S: "PAID" }, ":since": { N: "0" } },
    },
  ),
);
// PAID: o001 (placedAt 100) and every i divisible by 3 in 2..24 except the deleted o023 (not divisible by 3).
assert.deepEqual(
  gsiQuery.items.map((item) => item.orderId.S),
  ["o001", "o003", "o006", "o009", "o012", "o015", "o018", "o021", "o024"],
);
for (const item of gsiQuery.items) {
  // INCLUDE [amount]: keys of the table and of the index plus amount, never note.
  assert.deepEqual(Object.keys(item).sort(), ["amount", "customer", "orderId", "placedAt", "status"]);
}
assert.ok(gsiQuery.pages >= 5);
check("Query GSI (INCLUDE projection, paginated)");

const lsiQuery = await collect(
  paginateQuery(
    { client, pageSize: 3 },
    {
      TableName: TABLE,
      IndexName: "byAmount",
      KeyConditionExpression: "customer = :c AND amount >= :t",
      ExpressionAttributeValues: { ":c": { S: "alice" }, ":t": { N: "150" } },
      ScanIndexForward: false,
    },
  ),
);
assert.deepEqual(
  lsiQuery.items.map((item) => Number(item.amount.N)),
  [240, 220, 200, 180, 160],
);
for (const item of lsiQuery.items) {
  assert.deepEqual(Object.keys(item).sort(), ["amount", "customer", "orderId"]);
}
const lsiCount = await client.send(
  new LowLevelQueryCommand({
    TableName: TABLE,
    IndexName: "byAmount",
    KeyConditionExpression: "customer = :c",
    ExpressionAttributeValues: { ":c": { S: "bob" } },
    Select: "COUNT",
  }),
);
assert.equal(lsiCount.Count, 10);
check("Query LSI (KEYS_ONLY, descending, Select COUNT)");

// --- Scan --------------------------------------------------------------------------------------------------------
const scanned = await collect(paginateScan({ client, pageSize: 7 }, { TableName: TABLE }));
assert.equal(scanned.items.length, 23);
assert.ok(scanned.pages >= 4);
const filtered = await client.send(
  new ScanCommand({
    TableName: TABLE,
    FilterExpression: "customer = :b AND amount BETWEEN :lo AND :hi",
    ExpressionAttributeValues: { ":b": { S: "bob" }, ":lo": { N: "50" }, ":hi": { N: "110" } },
  }),
);
assert.deepEqual(filtered.Items.map((item) => item.orderId.S).sort(), ["o005", "o007", "o009", "o011"]);
const gsiScan = await client.send(new ScanCommand({ TableName: TABLE, IndexName: "byStatus", Select: "COUNT" }));
assert.equal(gsiScan.Count, 23);
check("Scan (paginateScan, filter, index scan COUNT)");

// --- transactions ------------------------------------------------------------------------------------------------
await client.send(
  new TransactWriteItemsCommand({
    TransactItems: [
      { Put: { TableName: TABLE, Item: order("carol", "o100", "NEW", 500, 70), ConditionExpression: "attribute_not_exists(orderId)" } },
      {
        Update: {
          TableName: TABLE,
          Key: { customer: { S: "alice" }, orderId: { S: "o002" } },
          UpdateExpression: "SET #s = :s",
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: { ":s": { S: "SHIPPED" } },
        },
      },
      { Delete: { TableName: TABLE, Key: { customer: { S: "bob" }, orderId: { S: "o021" } } } },
      {
        ConditionCheck: {
          TableName: TABLE,
          Key: { customer: { S: "alice" }, orderId: { S: "o001" } },
          ConditionExpression: "#s = :paid",
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: { ":paid": { S: "PAID" } },
        },
      },
    ],
    ClientRequestToken: `tok-${suffix}`,
  }),
);
const cancelled = await expectReject(
  client.send(
    new TransactWriteItemsCommand({
      TransactItems: [
        { Put: { TableName: TABLE, Item: order("carol", "o101", "NEW", 501, 1) } },
        {
          ConditionCheck: {
            TableName: TABLE,
            Key: { customer: { S: "alice" }, orderId: { S: "o001" } },
            ConditionExpression: "#s = :new",
            ExpressionAttributeNames: { "#s": "status" },
            ExpressionAttributeValues: { ":new": { S: "NEW" } },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
        },
        {
          Update: {
            TableName: TABLE,
            Key: { customer: { S: "carol" }, orderId: { S: "o100" } },
            UpdateExpression: "SET amount = :z",
            ExpressionAttributeValues: { ":z": { N: "0" } },
          },
        },
      ],
    }),
  ),
  TransactionCanceledException,
);
assert.deepEqual(
  cancelled.CancellationReasons.map((reason) => reason.Code),
  ["None", "ConditionalCheckFailed", "None"],
);
assert.equal(cancelled.CancellationReasons[1].Item.status.S, "PAID");
assert.match(cancelled.message, /\[None, ConditionalCheckFailed, None\]/);
check("TransactWriteItems (success, TransactionCanceledException.CancellationReasons)");

const tget = await client.send(
  new TransactGetItemsCommand({
    TransactItems: [
      { Get: { TableName: TABLE, Key: { customer: { S: "carol" }, orderId: { S: "o100" } } } },
      { Get: { TableName: TABLE, Key: { customer: { S: "carol" }, orderId: { S: "o101" } } } },
      { Get: { TableName: TABLE, Key: { customer: { S: "alice" }, orderId: { S: "o002" } }, ProjectionExpression: "#s", ExpressionAttributeNames: { "#s": "status" } } },
      { Get: { TableName: TABLE, Key: { customer: { S: "bob" }, orderId: { S: "o021" } } } },
    ],
  }),
);
assert.equal(tget.Responses.length, 4);
assert.equal(tget.Responses[0].Item.amount.N, "70"); // the cancelled transaction changed nothing
assert.equal(tget.Responses[1].Item, undefined);
assert.deepEqual(tget.Responses[2].Item, { status: { S: "SHIPPED" } });
assert.equal(tget.Responses[3].Item, undefined);
check("TransactGetItems");

// --- DocumentClient with native JS values ------------------------------------------------------------------------
const profile = {
  customer: "dave",
  orderId: "o500",
  status: "NEW",
  placedAt: 1700000000123,
  amount: 12.5,
  flags: new Set(["fragile", "express"]),
  sizes: new Set([1, 2, 3]),
  address: { street: "1 Main St", geo: { lat: 52.37, lng: 4.89 }, lines: ["a", "b"] },
  items: [{ sku: "A1", qty: 2 }, { sku: "B2", qty: 1 }],
  gift: true,
  memo: null,
  skipped: undefined,
};
await doc.send(new PutCommand({ TableName: TABLE, Item: profile, ConditionExpression: "attribute_not_exists(customer)" }));
const raw = await client.send(
  new GetItemCommand({ TableName: TABLE, Key: { customer: { S: "dave" }, orderId: { S: "o500" } } }),
);
assert.deepEqual(raw.Item.sizes.NS.map(Number).sort(), [1, 2, 3]);
assert.deepEqual([...raw.Item.flags.SS].sort(), ["express", "fragile"]);
assert.equal(raw.Item.address.M.geo.M.lat.N, "52.37");
assert.deepEqual(raw.Item.memo, { NULL: true });
assert.equal(raw.Item.skipped, undefined);
const docGot = await doc.send(new GetCommand({ TableName: TABLE, Key: { customer: "dave", orderId: "o500" } }));
const { skipped, ...stored } = profile;
assert.equal(skipped, undefined);
assert.deepEqual(docGot.Item, stored);
check("DocumentClient PutCommand/GetCommand (numbers, sets, nested maps, lists, null, bool)");

const docUpdated = await doc.send(
  new UpdateCommand({
    TableName: TABLE,
    Key: { customer: "dave", orderId: "o500" },
    UpdateExpression: "SET address.geo.lat = :lat, #items[1].qty = #items[1].qty + :one, amount = :t ADD sizes :more DELETE flags :goneSet",
    ConditionExpression: "gift = :yes AND contains(flags, :gone) AND size(#items) = :two",
    ExpressionAttributeNames: { "#items": "items" },
    ExpressionAttributeValues: {
      ":lat": 52.4,
      ":one": 1,
      ":t": 99.99,
      ":more": new Set([3, 4]),
      ":gone": "fragile",
      ":goneSet": new Set(["fragile"]),
      ":yes": true,
      ":two": 2,
    },
    ReturnValues: "UPDATED_NEW",
  }),
);
assert.equal(docUpdated.Attributes.address.geo.lat, 52.4);
// UPDATED_NEW projects the updated paths: a list element comes back as the only element of its list.
assert.deepEqual(docUpdated.Attributes.items, [{ qty: 2 }]);
assert.equal(docUpdated.Attributes.amount, 99.99);
assert.deepEqual([...docUpdated.Attributes.sizes].sort(), [1, 2, 3, 4]);
assert.deepEqual([...docUpdated.Attributes.flags], ["express"]);
await expectReject(
  doc.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: { customer: "dave", orderId: "o500" },
      UpdateExpression: "SET amount = :t",
      ConditionExpression: "amount < :t",
      ExpressionAttributeValues: { ":t": 1 },
    }),
  ),
  ConditionalCheckFailedException,
);
check("DocumentClient UpdateCommand (nested paths, list index, ADD/DELETE sets, condition)");

for (let i = 0; i < 7; i++) {
  await doc.send(
    new PutCommand({
      TableName: TABLE,
      Item: { customer: "erin", orderId: `e${i}`, status: "NEW", placedAt: 2000 + i, amount: i * 1.5, tags: ["x"] },
    }),
  );
}
const docQuery = [];
for await (const page of paginateDocQuery(
  { client: doc, pageSize: 3 },
  {
    TableName: TABLE,
    KeyConditionExpression: "customer = :c",
    FilterExpression: "amount >= :min",
    ExpressionAttributeValues: { ":c": "erin", ":min": 3 },
  },
)) {
  docQuery.push(...page.Items);
}
assert.deepEqual(
  docQuery.map((item) => [item.orderId, item.amount]),
  [["e2", 3], ["e3", 4.5], ["e4", 6], ["e5", 7.5], ["e6", 9]],
);
const docGsi = await doc.send(
  new QueryCommand({
    TableName: TABLE,
    IndexName: "byStatus",
    KeyConditionExpression: "#s = :s AND placedAt BETWEEN :a AND :b",
    ExpressionAttributeNames: { "#s": "status" },
    ExpressionAttributeValues: { ":s": "NEW", ":a": 2001, ":b": 2003 },
    ScanIndexForward: false,
  }),
);
assert.deepEqual(docGsi.Items.map((item) => item.placedAt), [2003, 2002, 2001]);
check("DocumentClient QueryCommand (paginated, filter, GSI)");

await doc.send(
  new TransactWriteCommand({
    TransactItems: [
      { Put: { TableName: TABLE, Item: { customer: "erin", orderId: "e100", amount: 1, meta: { source: "tx" } } } },
      {
        Update: {
          TableName: TABLE,
          Key: { customer: "erin", orderId: "e0" },
          UpdateExpression: "SET amount = amount + :n, tags = list_append(tags, :more)",
          ExpressionAttributeValues: { ":n": 10, ":more": ["y"] },
        },
      },
      { ConditionCheck: { TableName: TABLE, Key: { customer: "dave", orderId: "o500" }, ConditionExpression: "attribute_exists(address.geo)" } },
    ],
  }),
);
const docCancelled = await expectReject(
  doc.send(
    new TransactWriteCommand({
      TransactItems: [
        { Delete: { TableName: TABLE, Key: { customer: "erin", orderId: "e100" } } },
        {
          Put: {
            TableName: TABLE,
            Item: { customer: "erin", orderId: "e1", amount: -1 },
            ConditionExpression: "attribute_not_exists(orderId)",
          },
        },
      ],
    }),
  ),
  TransactionCanceledException,
);
assert.deepEqual(
  docCancelled.CancellationReasons.map((reason) => reason.Code),
  ["None", "ConditionalCheckFailed"],
);
const afterTx = await doc.send(new GetCommand({ TableName: TABLE, Key: { customer: "erin", orderId: "e100" } }));
assert.deepEqual(afterTx.Item, { customer: "erin", orderId: "e100", amount: 1, meta: { source: "tx" } });
const e0 = await doc.send(new GetCommand({ TableName: TABLE, Key: { customer: "erin", orderId: "e0" } }));
assert.equal(e0.Item.amount, 10);
assert.deepEqual(e0.Item.tags, ["x", "y"]);
check("DocumentClient TransactWriteCommand (success, cancellation)");

// --- clean up ----------------------------------------------------------------------------------------------------
await client.send(new DeleteTableCommand({ TableName: TABLE }));
await waitUntilTableNotExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 2 }, { TableName: TABLE });
check("DeleteTable+waitUntilTableNotExists");

console.log(JSON.stringify({ library: "aws-sdk-js-v3", table: TABLE, checks }));
