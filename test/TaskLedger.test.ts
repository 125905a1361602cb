import { describe } from "@effect/vitest"
import * as TaskLedger from "../src/TaskLedger.js"
import { ledgerContract } from "./ledger/contract.js"
import { layerTempSqlite } from "./ledger/sqlite.js"

describe("TaskLedger contract: memory", () => {
  ledgerContract(() => TaskLedger.layerMemory)
})

describe("TaskLedger contract: SQLite", () => {
  ledgerContract(() => layerTempSqlite())
})

describe("TaskLedger contract: SQLite, one write per transaction", () => {
  ledgerContract(() => layerTempSqlite({ maxWritesPerTransaction: 1, synchronous: "normal" }))
})
