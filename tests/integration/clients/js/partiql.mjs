// PartiQL through the AWS SDK for JavaScript v3, run unchanged against a Nubis server: ExecuteStatement (low-level
// and DocumentClient, with `?` parameters, Limit/NextToken, a SELECT on "table"."index"), BatchExecuteStatement and
// ExecuteTransaction (success and cancellation). Self-checking; prints a JSON summary on success.
//
//   node partiql.mjs http://127.0.0.1:8000        (or NUBIS_ENDPOINT=... node partiql.mjs)
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";

import {
  BatchExecuteStatementCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DuplicateItemException,
  DynamoDBClient,
  ExecuteStatementCommand as LowLevelExecuteStatementCommand,
  ExecuteTransactionCommand as LowLevelExecuteTransactionCommand,
  TransactionCanceledException,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import {
  BatchExecuteStatementCommand as DocBatchExecuteStatementCommand,
  DynamoDBDocumentClient,
  ExecuteStatementCommand,
  ExecuteTransactionCommand,
} from "@aws-sdk/lib-dynamodb";

const endpoint = process.argv[2] ?? process.env.NUBIS_ENDPOINT;
if (!endpoint) {
  console.error("usage: node partiql.mjs ENDPOINT_URL (or set NUBIS_ENDPOINT)");
  process.exit(2);
}

const client = new DynamoDBClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
  maxAttempts: 1,
});
const doc = DynamoDBDocumentClient.from(client);

const TABLE = `jspartiql_${process.pid}${randomBytes(3).toString("hex")}`;
const checks = [];
const check = (name) => checks.push(name);

async function expectReject(promise, ErrorClass) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ErrorClass, `expected ${ErrorClass.name}, got ${error?.name}: ${error?.message}`);
    return error;
  }
  assert.fail(`expected ${ErrorClass.name}, the call succeeded`);
}

await client.send(
  new CreateTableCommand({
    TableName: TABLE,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "N" },
      { AttributeName: "kind", AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: "byKind",
        KeySchema: [
          { AttributeName: "kind", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ],
  }),
);
await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 2 }, { TableName: TABLE });

// --- INSERT / SELECT / UPDATE / DELETE with the DocumentClient and native parameters ---------------------------
for (let i = 0; i < 8; i++) {
  await doc.send(
    new ExecuteStatementCommand({
      Statement: `INSERT INTO "${TABLE}" VALUE {'pk': ?, 'sk': ?, 'kind': ?, 'n': ?, 'tags': ?}`,
      Parameters: ["p1", i, i % 2 ? "odd" : "even", i * 1.5, new Set(["t", `t${i}`])],
    }),
  );
}
await expectReject(
  doc.send(
    new ExecuteStatementCommand({
      Statement: `INSERT INTO "${TABLE}" VALUE {'pk': ?, 'sk': ?}`,
      Parameters: ["p1", 0],
    }),
  ),
  DuplicateItemException,
);
const one = await doc.send(
  new ExecuteStatementCommand({ Statement: `SELECT * FROM "${TABLE}" WHERE pk = ? AND sk = ?`, Parameters: ["p1", 3] }),
);
assert.equal(one.Items.length, 1);
assert.equal(one.Items[0].kind, "odd");
assert.equal(one.Items[0].n, 4.5);
assert.deepEqual([...one.Items[0].tags].sort(), ["t", "t3"]);
check("DocumentClient ExecuteStatement INSERT/SELECT (native parameters, DuplicateItemException)");

await doc.send(
  new ExecuteStatementCommand({
    Statement: `UPDATE "${TABLE}" SET n = n + ? SET note = ? REMOVE tags WHERE pk = ? AND sk = ?`,
    Parameters: [10, "updated", "p1", 3],
  }),
);
const after = await doc.send(
  new ExecuteStatementCommand({ Statement: `SELECT n, note, tags FROM "${TABLE}" WHERE pk = ? AND sk = ?`, Parameters: ["p1", 3] }),
);
assert.deepEqual(after.Items, [{ n: 14.5, note: "updated" }]);
await doc.send(new ExecuteStatementCommand({ Statement: `DELETE FROM "${TABLE}" WHERE pk = ? AND sk = ?`, Parameters: ["p1", 7] }));
check("DocumentClient ExecuteStatement UPDATE (SET/REMOVE) and DELETE");

// --- SELECT with Limit/NextToken, on the table and on "table"."index" ------------------------------------------
const seen = [];
let NextToken;
let pages = 0;
do {
  const page = await client.send(
    new LowLevelExecuteStatementCommand({
      Statement: `SELECT sk FROM "${TABLE}" WHERE pk = ?`,
      Parameters: [{ S: "p1" }],
      Limit: 3,
      NextToken,
    }),
  );
  pages += 1;
  seen.push(...page.Items.map((item) => Number(item.sk.N)));
  NextToken = page.NextToken;
} while (NextToken);
assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6]);
assert.ok(pages >= 3);
const odd = await doc.send(
  new ExecuteStatementCommand({ Statement: `SELECT pk, sk FROM "${TABLE}"."byKind" WHERE kind = ? ORDER BY sk DESC`, Parameters: ["odd"] }),
);
assert.deepEqual(odd.Items.map((item) => item.sk), [5, 3, 1]);
check("ExecuteStatement SELECT (Limit/NextToken, index, ORDER BY)");

// --- BatchExecuteStatement ------------------------------------------------------------------------------------
// A batch is all reads or all writes, as in DynamoDB.
const writes = await client.send(
  new BatchExecuteStatementCommand({
    Statements: [
      { Statement: `INSERT INTO "${TABLE}" VALUE {'pk': ?, 'sk': ?}`, Parameters: [{ S: "p2" }, { N: "1" }] },
      { Statement: `INSERT INTO "${TABLE}" VALUE {'pk': ?, 'sk': ?}`, Parameters: [{ S: "p1" }, { N: "0" }] },
    ],
  }),
);
assert.equal(writes.Responses.length, 2);
assert.equal(writes.Responses[0].Error, undefined);
assert.equal(writes.Responses[1].Error.Code, "DuplicateItem");
const reads = await client.send(
  new BatchExecuteStatementCommand({
    Statements: [
      { Statement: `SELECT * FROM "${TABLE}" WHERE pk = ? AND sk = ?`, Parameters: [{ S: "p1" }, { N: "2" }] },
      { Statement: `SELECT * FROM "${TABLE}" WHERE pk = ? AND sk = ?`, Parameters: [{ S: "p1" }, { N: "99" }] },
    ],
  }),
);
assert.equal(reads.Responses[0].Item.kind.S, "even");
assert.equal(reads.Responses[1].Item, undefined);
const docBatch = await doc.send(
  new DocBatchExecuteStatementCommand({
    Statements: [{ Statement: `SELECT * FROM "${TABLE}" WHERE pk = ? AND sk = ?`, Parameters: ["p2", 1] }],
  }),
);
assert.deepEqual(docBatch.Responses[0].Item, { pk: "p2", sk: 1 });
check("BatchExecuteStatement (per-statement results and errors)");

// --- ExecuteTransaction -----------------------------------------------------------------------------------------
await doc.send(
  new ExecuteTransactionCommand({
    TransactStatements: [
      { Statement: `UPDATE "${TABLE}" SET n = n - ? WHERE pk = ? AND sk = ? AND n >= ?`, Parameters: [1, "p1", 4, 1] },
      { Statement: `INSERT INTO "${TABLE}" VALUE {'pk': ?, 'sk': ?, 'kind': ?}`, Parameters: ["p3", 1, "odd"] },
      { Statement: `DELETE FROM "${TABLE}" WHERE pk = ? AND sk = ?`, Parameters: ["p2", 1] },
    ],
  }),
);
const cancelled = await expectReject(
  client.send(
    new LowLevelExecuteTransactionCommand({
      TransactStatements: [
        { Statement: `INSERT INTO "${TABLE}" VALUE {'pk': ?, 'sk': ?}`, Parameters: [{ S: "p4" }, { N: "1" }] },
        { Statement: `UPDATE "${TABLE}" SET n = ? WHERE pk = ? AND sk = ? AND n > ?`, Parameters: [{ N: "0" }, { S: "p1" }, { N: "4" }, { N: "1000" }] },
      ],
    }),
  ),
  TransactionCanceledException,
);
assert.deepEqual(
  cancelled.CancellationReasons.map((reason) => reason.Code),
  ["None", "ConditionalCheckFailed"],
);
const state = await doc.send(
  new ExecuteTransactionCommand({
    TransactStatements: [
      { Statement: `SELECT n FROM "${TABLE}" WHERE pk = ? AND sk = ?`, Parameters: ["p1", 4] },
      { Statement: `SELECT * FROM "${TABLE}" WHERE pk = ? AND sk = ?`, Parameters: ["p4", 1] },
      { Statement: `SELECT * FROM "${TABLE}" WHERE pk = ? AND sk = ?`, Parameters: ["p2", 1] },
    ],
  }),
);
assert.deepEqual(state.Responses[0].Item, { n: 5 }); // 4 * 1.5 - 1
assert.equal(state.Responses[1].Item, undefined);
assert.equal(state.Responses[2].Item, undefined);
check("ExecuteTransaction (writes, cancellation with reasons, reads)");

await client.send(new DeleteTableCommand({ TableName: TABLE }));
console.log(JSON.stringify({ library: "aws-sdk-js-v3 PartiQL", table: TABLE, checks }));
