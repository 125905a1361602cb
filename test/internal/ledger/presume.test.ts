import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { plan, View, type Write } from "../../../src/internal/ledger/plan.js"
import { presume, presumedFrom } from "../../../src/internal/ledger/presume.js"

const intent = (key: string) => ({
  correlationKey: key,
  runId: "run",
  engine: "google/organic",
  request: { keyword: key }
})

// The usual life of two tasks, in one group: what the SQL store writes with no read.
const life: ReadonlyArray<Write> = [
  { _tag: "Intents", entries: [intent("k1"), intent("k2")] },
  {
    _tag: "Posted",
    entries: [{ correlationKey: "k1", taskId: "t1", cost: 0.0006 }, {
      correlationKey: "k2",
      taskId: "t2",
      cost: 0.0006
    }]
  },
  { _tag: "Ready", taskIds: ["t1"] },
  { _tag: "Collected", entries: [{ taskId: "t1", result: { items: [] } }, { taskId: "t2" }] }
]

describe("presume", () => {
  it("presumes the states from which the rules change an entry", () => {
    expect(presumedFrom).toEqual({ Insert: [], Posted: ["intent"], Ready: ["posted"], Collected: ["posted", "ready"] })
  })

  it("gives the changes plan gives from an empty ledger, each expecting the states the rules change", () => {
    const view = new View()
    const planned = life.flatMap((write) => Either.getOrThrow(plan(write, view, 5)))
    const presumed = presume(life, 5)
    expect(presumed?.map(({ from: _, ...change }) => change)).toEqual(planned.map(({ from: _, ...change }) => change))
    expect(presumed?.map((change) => [change._tag, change.from])).toEqual([
      ["Insert", []],
      ["Insert", []],
      ["Posted", ["intent"]],
      ["Posted", ["intent"]],
      ["Ready", ["posted"]],
      ["Collected", ["posted", "ready"]],
      ["Collected", ["posted", "ready"]]
    ])
  })

  it("leaves to planning a failure, a repeat, or calls out of the order of a life", () => {
    const cases: ReadonlyArray<ReadonlyArray<Write>> = [
      [{ _tag: "Failed", entries: [{ correlationKey: "k1", code: 40501, message: "bad", billed: false }] }],
      [{ _tag: "Intents", entries: [intent("k1"), intent("k1")] }],
      [{ _tag: "Ready", taskIds: ["t1"] }, { _tag: "Ready", taskIds: ["t1"] }],
      [{
        _tag: "Posted",
        entries: [{ correlationKey: "k1", taskId: "t1", cost: 1 }, { correlationKey: "k2", taskId: "t1", cost: 1 }]
      }],
      [{ _tag: "Ready", taskIds: ["t1"] }, {
        _tag: "Posted",
        entries: [{ correlationKey: "k1", taskId: "t1", cost: 1 }]
      }],
      [{ _tag: "Collected", entries: [{ taskId: "t1" }] }, { _tag: "Ready", taskIds: ["t1"] }],
      [{ _tag: "Posted", entries: [{ correlationKey: "k1", taskId: "t1", cost: 1 }] }, {
        _tag: "Intents",
        entries: [intent("k1")]
      }]
    ]
    expect(cases.map((writes) => presume(writes, 5))).toEqual(cases.map(() => undefined))
  })
})
