/**
 * What the crash test (test/Serp.crash.test.ts) and its child process (crashChild.ts) share: the job, the stack's
 * options, the environment that points the child at the emulator, and the line written for each outcome.
 */
import type * as GoogleOrganic from "../../src/GoogleOrganic.js"
import * as Keyword from "../../src/Keyword.js"
import type { SandboxOptions } from "../../src/sandbox/Options.js"
import type { StackOptions } from "../../src/SerpNode.js"

/** Tasks of the job. */
export const taskCount = 5_000

/** The run id of every process of the job, so that the ledger's cost per run covers them all. */
export const runId = "crash-test"

/** The keyword of task `i`, which is also its correlation key. */
export const keyOf = (i: number): string => `kw-${i}`

/** Every task of the job, in order. */
export const tasks = (): Array<GoogleOrganic.Task> =>
  Array.from({ length: taskCount }, (_, i) => ({ keyword: keyOf(i), location_code: 2840, language_code: "en" }))

/** A task's correlation key: its keyword, the same in every process. */
export const correlationKey = (task: GoogleOrganic.Task): string => Keyword.searchText(task.keyword)

/**
 * Tasks read and not yet taken, at most. Posting then goes on for the whole run, as outcomes come out, so a kill at
 * any moment may land on a POST, and each restarted process both resumes tasks and posts new ones.
 */
export const maxInFlight = 250

/**
 * The batcher's and the poller's options. A POST whose reply a kill lost is looked up in id_list half a second after
 * its intent (the emulator lists a task at once). A task fetched by a killed process has left tasks_ready, so the
 * next process asks for it by id: after 2 s rather than 2 minutes.
 */
export const stackOptions: StackOptions = {
  batcher: { runId, settleDelay: "500 millis" },
  poller: { expectedWait: "2 seconds", backoff: "250 millis", maxBackoff: "2 seconds" }
}

/**
 * The emulator. Its limits are far above the client's, so that it never refuses a call: the client paces itself.
 * The limits' window of the client cannot be set from the environment (it is one minute), so the client's limits
 * are per minute and high. Requests left open by a killed process must not count against the simultaneous limit.
 */
export const sandboxOptions: SandboxOptions = {
  seed: 19,
  sparse: 0.3,
  queueDelay: { normal: "500 millis" },
  limits: {
    perMinute: { task_post: 100_000, tasks_ready: 100_000, task_get: 1_000_000, id_list: 100_000 },
    simultaneous: 1_000
  }
}

/**
 * The child's DATAFORSEO_* variables: the emulator's URL, the ledger file, and the client's limits. A POST every
 * 100 ms (posting takes about 5 s), tasks_ready every 50 ms, task_get at the pace the machine allows.
 */
export const childEnvironment = (baseUrl: string, ledgerFile: string): Record<string, string> => ({
  DATAFORSEO_LOGIN: "sandbox",
  DATAFORSEO_PASSWORD: "sandbox",
  DATAFORSEO_BASE_URL: baseUrl,
  DATAFORSEO_LEDGER_FILE: ledgerFile,
  DATAFORSEO_REQUEST_TIMEOUT: "10 seconds",
  DATAFORSEO_TASK_POST_PER_MINUTE: "600",
  DATAFORSEO_TASKS_READY_PER_MINUTE: "1200",
  DATAFORSEO_TASK_GET_PER_MINUTE: "60000",
  DATAFORSEO_SIMULTANEOUS_REQUESTS: "30"
})

/**
 * The variable that tells a child to hold an outcome: after writing that many outcomes, it announces the next one on
 * stdout (`hold <key>`) and waits a minute before writing it, so that the test kills it while it holds the outcome.
 */
export const holdVariable = "CRASH_HOLD_AFTER"

/** One outcome a process took, one JSON line of the outcomes file. */
export interface OutcomeLine {
  readonly key: string | undefined
  readonly taskId: string | undefined
  /** True for a result, false for an error. */
  readonly ok: boolean
  readonly tag: string | undefined
  /** The error's tag, for an error. */
  readonly error?: string | undefined
}

/** What the child prints on its last line when its run completes. */
export interface ChildSummary {
  /** Outcomes written to the file. */
  readonly written: number
  /** Outcomes an earlier process had taken (`AlreadyCollectedError`), not written. */
  readonly alreadyCollected: number
}
