import { describe, expect, it } from "@effect/vitest"
import * as StatusCode from "../src/StatusCode.js"

// Every code of reference §1, with the class it must have.
const expected: ReadonlyArray<readonly [number, StatusCode.StatusClass, string]> = [
  [20000, "success", "PermanentError"],
  [20100, "success", "PermanentError"],
  [40000, "permanent", "PermanentError"],
  [40001, "not_found", "NotFoundError"],
  [40002, "permanent", "PermanentError"],
  [40003, "permanent", "PermanentError"],
  [40004, "permanent", "PermanentError"],
  [40005, "permanent", "PermanentError"],
  [40006, "validation", "TooManyTasksError"],
  [40100, "auth", "AuthError"],
  [40101, "retryable", "ServerError"],
  [40102, "permanent", "PermanentError"],
  [40103, "retryable", "ServerError"],
  [40104, "auth", "AuthError"],
  [40200, "billing", "BillingError"],
  [40201, "auth", "AuthError"],
  [40202, "rate_limited", "RateLimitError"],
  [40203, "billing", "BillingError"],
  [40204, "billing", "BillingError"],
  [40205, "rate_limited", "RateLimitError"],
  [40206, "rate_limited", "RateLimitError"],
  [40207, "auth", "AuthError"],
  [40209, "rate_limited", "RateLimitError"],
  [40210, "billing", "BillingError"],
  [40400, "not_found", "NotFoundError"],
  [40401, "not_found", "NotFoundError"],
  [40402, "permanent", "PermanentError"],
  [40403, "not_found", "NotFoundError"],
  [40404, "permanent", "PermanentError"],
  [40405, "permanent", "PermanentError"],
  [40406, "permanent", "PermanentError"],
  [40407, "permanent", "PermanentError"],
  [40408, "permanent", "PermanentError"],
  [40501, "validation", "ValidationError"],
  [40502, "validation", "ValidationError"],
  [40503, "validation", "ValidationError"],
  [40504, "validation", "ValidationError"],
  [40505, "validation", "ValidationError"],
  [40506, "validation", "ValidationError"],
  [40601, "pending", "TaskPendingError"],
  [40602, "pending", "TaskPendingError"],
  [50000, "retryable", "ServerError"],
  [50001, "retryable", "ServerError"],
  [50100, "permanent", "PermanentError"],
  [50301, "retryable", "ServerError"],
  [50303, "retryable", "ServerError"],
  [50304, "retryable", "ServerError"],
  [50401, "retryable", "ServerError"],
  [50402, "retryable", "ServerError"]
]

describe("StatusCode", () => {
  it("the table holds exactly the codes of the reference", () => {
    expect([...StatusCode.table.keys()].sort()).toEqual(expected.map(([code]) => code).sort())
  })

  it.each(expected)("%i is %s and becomes %s", (code, statusClass, tag) => {
    const info = StatusCode.classify(code)
    expect(info).toMatchObject({ code, class: statusClass, known: true })
    expect(info.meaning.length).toBeGreaterThan(0)
    const error = StatusCode.toError(code, "server message", { taskId: "t-1" })
    expect(error).toMatchObject({
      _tag: tag,
      code,
      message: "server message",
      taskId: "t-1",
      retryable: info.retryable
    })
  })

  it("knows what is billed and at which level", () => {
    expect(StatusCode.classify(20100)).toMatchObject({ billed: true, level: "task" })
    expect(StatusCode.classify(40101)).toMatchObject({ billed: true, level: "task", retryable: true })
    expect(StatusCode.classify(40006)).toMatchObject({ billed: false, level: "task", retryable: false })
    expect(StatusCode.classify(40202)).toMatchObject({ billed: false, level: "request", retryable: true })
    expect(StatusCode.classify(40209)).toMatchObject({ class: "rate_limited", level: "request" })
    expect(StatusCode.classify(40102).billed).toBe("unknown")
    expect(StatusCode.isPending(40602)).toBe(true)
    expect(StatusCode.isSuccess(20100)).toBe(true)
    expect(StatusCode.isSuccess(40501)).toBe(false)
  })

  it.each(
    [
      [20500, "success"],
      [40150, "auth"],
      [40299, "billing"],
      [40499, "not_found"],
      [40555, "validation"],
      [40699, "pending"],
      [50999, "retryable"],
      [60000, "permanent"],
      [12, "permanent"]
    ] as const
  )("an unknown code %i is classified by its range as %s and keeps its raw code", (code, statusClass) => {
    const info = StatusCode.classify(code)
    expect(info).toMatchObject({ code, class: statusClass, known: false, billed: "unknown" })
    const error = StatusCode.toError(code, "brand new message")
    expect(error.code).toBe(code)
    expect(error.message).toBe("brand new message")
  })

  it("maps HTTP statuses to codes", () => {
    expect([401, 402, 404, 429, 500, 503, 418].map(StatusCode.fromHttpStatus)).toEqual([
      40100,
      40200,
      40400,
      40202,
      50000,
      50000,
      418
    ])
  })
})
