// Dynamoose (the npm package) run unchanged against a Nubis server: it creates its own tables (with a GSI and an LSI)
// and waits for them to be active, then saves, reads, updates, queries, scans and runs transactions through its
// ordinary model API. Self-checking: any failed assertion exits non-zero; on success it prints a JSON summary.
//
//   node dynamoose.mjs http://127.0.0.1:8000        (or NUBIS_ENDPOINT=... node dynamoose.mjs)
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";

import dynamoose from "dynamoose";

const endpoint = process.argv[2] ?? process.env.NUBIS_ENDPOINT;
if (!endpoint) {
  console.error("usage: node dynamoose.mjs ENDPOINT_URL (or set NUBIS_ENDPOINT)");
  process.exit(2);
}

const ddb = new dynamoose.aws.ddb.DynamoDB({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
  maxAttempts: 1,
});
dynamoose.aws.ddb.set(ddb);

const suffix = `${process.pid}${randomBytes(3).toString("hex")}`;
const checks = [];
const check = (name) => checks.push(name);

async function rejects(promise, name) {
  try {
    await promise;
  } catch (error) {
    assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
    return error;
  }
  assert.fail(`expected ${name}, the call succeeded`);
}

// --- models, their tables and indexes ----------------------------------------------------------------------------
const tableOptions = {
  create: true,
  throughput: "ON_DEMAND",
  waitForActive: { enabled: true, check: { timeout: 20000, frequency: 100 } },
  initialize: false, // run below, awaited, instead of in the background on first use
};

const Order = dynamoose.model(
  `DynOrder_${suffix}`,
  new dynamoose.Schema(
    {
      customer: { type: String, hashKey: true },
      orderId: { type: String, rangeKey: true },
      status: {
        type: String,
        required: true,
        default: "NEW",
        enum: ["NEW", "PAID", "SHIPPED"],
        index: { name: "byStatus", type: "global", rangeKey: "placedAt", project: ["amount"] },
      },
      placedAt: { type: Number, required: true },
      amount: {
        type: Number,
        required: true,
        validate: (value) => value >= 0,
        index: { name: "byAmount", type: "local", project: false },
      },
      tags: { type: Set, schema: [String] },
      shipping: { type: Object, schema: { city: String, zip: { type: String, default: "00000" } } },
      version: { type: Number, default: 1 },
    },
    { timestamps: true, saveUnknown: false },
  ),
  tableOptions,
);

const Customer = dynamoose.model(
  `DynCustomer_${suffix}`,
  new dynamoose.Schema({
    id: { type: String, hashKey: true },
    email: { type: String, required: true, index: { name: "byEmail", type: "global" } },
    balance: { type: Number, default: 0, validate: (value) => value >= 0 },
  }),
  tableOptions,
);

const orderTable = Order.table();
const customerTable = Customer.table();
await orderTable.initialize();
await customerTable.initialize();

const { Table } = await ddb.describeTable({ TableName: orderTable.name });
assert.equal(Table.TableStatus, "ACTIVE");
assert.deepEqual(Table.KeySchema, [
  { AttributeName: "customer", KeyType: "HASH" },
  { AttributeName: "orderId", KeyType: "RANGE" },
]);
assert.deepEqual(
  Table.GlobalSecondaryIndexes.map((index) => [index.IndexName, index.Projection, index.KeySchema.map((key) => key.AttributeName)]),
  [["byStatus", { ProjectionType: "INCLUDE", NonKeyAttributes: ["amount"] }, ["status", "placedAt"]]],
);
assert.deepEqual(
  Table.LocalSecondaryIndexes.map((index) => [index.IndexName, index.Projection, index.KeySchema.map((key) => key.AttributeName)]),
  [["byAmount", { ProjectionType: "KEYS_ONLY" }, ["customer", "amount"]]],
);
assert.equal(Table.BillingModeSummary.BillingMode, "PAY_PER_REQUEST");
const { Table: customerDescribed } = await ddb.describeTable({ TableName: customerTable.name });
assert.equal(customerDescribed.GlobalSecondaryIndexes[0].IndexName, "byEmail");
assert.equal(customerDescribed.GlobalSecondaryIndexes[0].Projection.ProjectionType, "ALL");
check("tables created by Dynamoose (GSI INCLUDE, LSI KEYS_ONLY, GSI ALL) and waited for");

// --- create / get with schema defaults, validation and conditions -------------------------------------------------
const first = await Order.create({
  customer: "alice",
  orderId: "o001",
  placedAt: 100,
  amount: 25,
  tags: new Set(["gift"]),
  shipping: { city: "Utrecht" },
});
assert.equal(first.status, "NEW");
assert.equal(first.version, 1);
assert.ok(Math.abs(first.createdAt - Date.now()) < 60000); // timestamps: true stores epoch milliseconds
await rejects(Order.create({ customer: "alice", orderId: "o001", placedAt: 1, amount: 1 }), "ConditionalCheckFailedException");
await rejects(Order.create({ customer: "alice", orderId: "o002", placedAt: 1, amount: -5 }), "ValidationError");
await rejects(Order.create({ customer: "alice", orderId: "o002", amount: 5 }), "ValidationError");
await rejects(Order.create({ customer: "alice", orderId: "o002", placedAt: 1, amount: 5, status: "LOST" }), "ValidationError");
assert.equal(await Order.get({ customer: "alice", orderId: "o002" }), undefined);

const fetched = await Order.get({ customer: "alice", orderId: "o001" });
assert.equal(fetched.amount, 25);
assert.deepEqual([...fetched.tags], ["gift"]);
assert.deepEqual(fetched.shipping, { city: "Utrecht", zip: "00000" });
assert.ok(fetched.createdAt instanceof Date); // read back as a Date
assert.equal(fetched.createdAt.getTime(), first.createdAt);
const narrow = await Order.get({ customer: "alice", orderId: "o001" }, { attributes: ["amount", "status"] });
assert.deepEqual(narrow.toJSON(), { amount: 25, status: "NEW" });

// Item.save with a condition: overwrite only when the stored version is the one we read.
fetched.amount = 30;
await fetched.save({ condition: new dynamoose.Condition("version").eq(1) });
const stale = await Order.get({ customer: "alice", orderId: "o001" });
stale.amount = 31;
await rejects(stale.save({ condition: new dynamoose.Condition("version").eq(2) }), "ConditionalCheckFailedException");
check("Model.create/get (defaults, validate, enum, required, timestamps) and conditional save");

// --- update with conditions -------------------------------------------------------------------------------------
const updated = await Order.update(
  { customer: "alice", orderId: "o001" },
  { $SET: { status: "PAID" }, $ADD: { version: 1, tags: ["vip"] } },
  { condition: new dynamoose.Condition("status").eq("NEW").and().where("amount").lt(100), returnValues: "ALL_NEW" },
);
assert.equal(updated.status, "PAID");
assert.equal(updated.version, 2);
assert.deepEqual([...updated.tags].sort(), ["gift", "vip"]);
assert.equal(updated.amount, 30);
await rejects(
  Order.update(
    { customer: "alice", orderId: "o001" },
    { status: "SHIPPED" },
    { condition: new dynamoose.Condition("status").eq("NEW") },
  ),
  "ConditionalCheckFailedException",
);
await rejects(Order.update({ customer: "alice", orderId: "o001" }, { amount: -1 }), "ValidationError");
assert.equal((await Order.get({ customer: "alice", orderId: "o001" })).status, "PAID");
check("Model.update ($SET/$ADD, dynamoose.Condition, returnValues, failure)");

// --- batch writes and gets --------------------------------------------------------------------------------------
const batch = [];
for (let i = 2; i <= 30; i++) {
  batch.push({
    customer: i % 2 === 0 ? "alice" : "bob",
    orderId: `o${String(i).padStart(3, "0")}`,
    status: i % 3 === 0 ? "PAID" : "NEW",
    placedAt: 100 + i,
    amount: i * 10,
  });
}
// batchPut sends one BatchWriteItem: at most 25 items, as DynamoDB allows.
for (const chunk of [batch.slice(0, 25), batch.slice(25)]) {
  const batchResult = await Order.batchPut(chunk);
  assert.deepEqual(batchResult.unprocessedItems, []);
}
const batchGot = await Order.batchGet([
  { customer: "alice", orderId: "o002" },
  { customer: "bob", orderId: "o003" },
  { customer: "bob", orderId: "o999" },
]);
assert.deepEqual(batchGot.map((item) => item.orderId).sort(), ["o002", "o003"]);
assert.deepEqual(batchGot.unprocessedKeys, []);
// alice: o001 (PAID, 30) + o002..o030 even = 16 orders; bob: o003..o029 odd = 14 orders.
check("Model.batchPut/batchGet");

// --- queries on the table and on both indexes -------------------------------------------------------------------
const aliceRange = await Order.query("customer").eq("alice").where("orderId").between("o004", "o010").exec();
assert.deepEqual(aliceRange.map((item) => item.orderId), ["o004", "o006", "o008", "o010"]);
assert.equal(aliceRange.count, 4);

const bobDesc = await Order.query("customer")
  .eq("bob")
  .where("orderId")
  .beginsWith("o01")
  .filter("amount")
  .gt(120)
  .sort("descending")
  .exec();
assert.deepEqual(bobDesc.map((item) => item.orderId), ["o019", "o017", "o015", "o013"]);

// Pagination: .limit() gives pages with lastKey; .all() follows them.
const firstPage = await Order.query("customer").eq("alice").limit(4).exec();
assert.equal(firstPage.length, 4);
assert.ok(firstPage.lastKey);
const secondPage = await Order.query("customer").eq("alice").limit(4).startAt(firstPage.lastKey).exec();
assert.deepEqual(secondPage.map((item) => item.orderId), ["o008", "o010", "o012", "o014"]);
const everyAlice = await Order.query("customer").eq("alice").limit(4).all().exec();
assert.equal(everyAlice.length, 16);

const paid = await Order.query("status").eq("PAID").where("placedAt").ge(100).using("byStatus").all().exec();
assert.deepEqual(
  paid.map((item) => item.orderId),
  ["o001", "o003", "o006", "o009", "o012", "o015", "o018", "o021", "o024", "o027", "o030"],
);
// byStatus projects the keys and amount only.
assert.deepEqual(Object.keys(paid[0].toJSON()).sort(), ["amount", "customer", "orderId", "placedAt", "status"]);
const paidCount = await Order.query("status").eq("PAID").using("byStatus").count().exec();
assert.equal(paidCount.count, 11);

const bigAlice = await Order.query("customer").eq("alice").where("amount").ge(200).using("byAmount").sort("descending").exec();
assert.deepEqual(bigAlice.map((item) => item.amount), [300, 280, 260, 240, 220, 200]);
assert.deepEqual(Object.keys(bigAlice[0].toJSON()).sort(), ["amount", "customer", "orderId"]);

// Dynamoose picks the index itself when the query names the index's keys.
const autoIndexed = await Order.query("status").eq("NEW").where("placedAt").between(110, 115).exec();
assert.deepEqual(autoIndexed.map((item) => item.placedAt), [110, 111, 113, 114]);
check("query() on table, using(GSI), using(LSI), automatic index, sort, filter, limit/startAt/all, count");

// --- scans ------------------------------------------------------------------------------------------------------
const scanned = await Order.scan().all().exec();
assert.equal(scanned.length, 30);
const scanFiltered = await Order.scan("customer").eq("bob").and().where("amount").between(50, 110).exec();
assert.deepEqual(scanFiltered.map((item) => item.orderId).sort(), ["o005", "o007", "o009", "o011"]);
const scanCondition = await Order.scan(new dynamoose.Condition().where("status").in(["PAID"]).and().where("amount").gt(250)).exec();
assert.deepEqual(scanCondition.map((item) => item.orderId).sort(), ["o027", "o030"]);
const scanCount = await Order.scan().filter("amount").lt(100).count().exec();
assert.equal(scanCount.count, 9); // o001 (30) and o002..o009 (20..90)
const scanPaged = await Order.scan().limit(10).exec();
assert.equal(scanPaged.length, 10);
assert.ok(scanPaged.lastKey);
check("scan() with filters, Condition, count, limit");

// --- transactions -----------------------------------------------------------------------------------------------
await Customer.create({ id: "alice", email: "alice@example.com", balance: 100 });
await Customer.create({ id: "bob", email: "bob@example.com" });
const byEmail = await Customer.query("email").eq("bob@example.com").exec();
assert.deepEqual(byEmail.map((item) => [item.id, item.balance]), [["bob", 0]]);

await dynamoose.transaction([
  Order.transaction.create({ customer: "carol", orderId: "o100", placedAt: 500, amount: 70 }),
  Order.transaction.update({ customer: "alice", orderId: "o002" }, { status: "SHIPPED" }),
  Order.transaction.delete({ customer: "bob", orderId: "o029" }),
  Order.transaction.condition({ customer: "alice", orderId: "o001" }, new dynamoose.Condition("status").eq("PAID")),
  Customer.transaction.update({ id: "alice" }, { $ADD: { balance: -40 } }),
  Customer.transaction.update({ id: "bob" }, { $ADD: { balance: 40 } }),
]);
assert.equal((await Order.get({ customer: "carol", orderId: "o100" })).status, "NEW");
assert.equal((await Order.get({ customer: "alice", orderId: "o002" })).status, "SHIPPED");
assert.equal(await Order.get({ customer: "bob", orderId: "o029" }), undefined);
assert.equal((await Customer.get("alice")).balance, 60);
assert.equal((await Customer.get("bob")).balance, 40);

const cancelled = await rejects(
  dynamoose.transaction([
    Customer.transaction.update({ id: "alice" }, { $ADD: { balance: -1000 } }, { condition: new dynamoose.Condition("balance").ge(1000) }),
    Customer.transaction.update({ id: "bob" }, { $ADD: { balance: 1000 } }),
    Order.transaction.create({ customer: "carol", orderId: "o100", placedAt: 1, amount: 1 }),
  ]),
  "TransactionCanceledException",
);
assert.deepEqual(
  cancelled.CancellationReasons.map((reason) => reason.Code),
  ["ConditionalCheckFailed", "None", "ConditionalCheckFailed"],
);
assert.equal((await Customer.get("alice")).balance, 60);
assert.equal((await Customer.get("bob")).balance, 40);
assert.equal((await Order.get({ customer: "carol", orderId: "o100" })).placedAt, 500);

const read = await dynamoose.transaction([
  Customer.transaction.get("alice"),
  Order.transaction.get({ customer: "carol", orderId: "o100" }),
  // (Dynamoose 4 cannot turn a missing item of a TransactGetItems response, `{}`, into a model item: every key
  // asked for here exists.)
  Order.transaction.get({ customer: "alice", orderId: "o002" }),
]);
assert.equal(read.length, 3);
assert.equal(read[0].balance, 60);
assert.equal(read[1].amount, 70);
assert.equal(read[2].status, "SHIPPED");
check("dynamoose.transaction (write success across two tables, cancellation with reasons, get)");

// --- delete -----------------------------------------------------------------------------------------------------
await Order.delete({ customer: "carol", orderId: "o100" }, { condition: new dynamoose.Condition("amount").eq(70) });
await rejects(
  Order.delete({ customer: "alice", orderId: "o001" }, { condition: new dynamoose.Condition("status").eq("NEW") }),
  "ConditionalCheckFailedException",
);
await Order.batchDelete([{ customer: "alice", orderId: "o004" }, { customer: "alice", orderId: "o006" }]);
assert.equal((await Order.query("customer").eq("alice").count().exec()).count, 14);
await ddb.deleteTable({ TableName: orderTable.name });
await ddb.deleteTable({ TableName: customerTable.name });
check("Model.delete with condition, batchDelete");

console.log(JSON.stringify({ library: "dynamoose", tables: [orderTable.name, customerTable.name], checks }));
