/**
 * effect-dataforseo: a typed, rate-limited, billing-safe client for the DataForSEO v3 SERP API, on Effect.
 * Each module is re-exported as a namespace. Modules that need an optional peer dependency have their own
 * entry point: `effect-dataforseo/TaskLedgerSql` (@effect/sql), `effect-dataforseo/TaskLedgerSqlite`
 * (@effect/sql and @effect/sql-sqlite-node), `effect-dataforseo/UndiciHttpClient` and
 * `effect-dataforseo/sandbox` (@effect/platform-node).
 *
 * @since 0.1.0
 */

/** Credentials, host, timeout, retry bounds and the account's limits. */
export * as DataForSeoConfig from "./DataForSeoConfig.js"

/** How requests are authorized (HTTP Basic). */
export * as Auth from "./Auth.js"

/** The HTTP service: typed `get` / `post`, envelope decoding, status codes to typed errors, retries. */
export * as DataForSeoClient from "./DataForSeoClient.js"

/** The reply envelope, generic over each task's result. */
export * as Envelope from "./Envelope.js"

/** Every documented status code: meaning, class, billing, level; code to typed error. */
export * as StatusCode from "./StatusCode.js"

/** The typed errors. */
export * as DataForSeoError from "./DataForSeoError.js"

/** Date-times as the API writes them: `"yyyy-mm-dd hh:mm:ss +00:00"`. */
export * as ApiDateTime from "./ApiDateTime.js"

/** The engine description every service works from. */
export * as Engine from "./Engine.js"

/** Keywords as the API receives them (`%` and `+` encoded), or raw. */
export * as Keyword from "./Keyword.js"

/** The task fields and rules engines share. */
export * as TaskOptions from "./TaskOptions.js"

/** Naver organic: paths, task schema, result schemas. */
export * as NaverOrganic from "./NaverOrganic.js"

/** Google organic: paths (live included), task schema, result schemas. */
export * as GoogleOrganic from "./GoogleOrganic.js"

/** Shared result pieces: common item fields and sub-objects. */
export * as SerpCommon from "./SerpCommon.js"

/** Naver organic regular and advanced results. */
export * as NaverResults from "./NaverResults.js"

/** Google organic regular and advanced results. */
export * as GoogleResults from "./GoogleResults.js"

/** Items of a type the library does not know yet: kept whole, and the item unions built around them. */
export * as UnknownItem from "./UnknownItem.js"

/** HTML results of both engines. */
export * as HtmlResult from "./HtmlResult.js"

/** The tasks_ready list. */
export * as TasksReady from "./TasksReady.js"

/** id_list: tasks posted in a window. */
export * as IdList from "./IdList.js"

/** The SERP errors list. */
export * as SerpErrors from "./SerpErrors.js"

/** The account: rates, limits, money and prices. */
export * as UserData from "./UserData.js"

/** Google locations and languages. */
export * as GoogleLocations from "./GoogleLocations.js"

/** Where a pipeline stands: counts, cost, pace, the oldest task waiting, what it waits on. */
export * as Progress from "./Progress.js"

/** Per-window call pacing. */
export * as Pacer from "./Pacer.js"

/** The account's per-minute limits, from user_data. */
export * as AccountLimits from "./AccountLimits.js"

/** The record of every paid task: memory store. */
export * as TaskLedger from "./TaskLedger.js"

/** What a task costs: the price table, a task's estimate, the account's own prices (user_data). */
export * as Prices from "./Prices.js"

/** Amounts in whole micro-dollars, so that sums of costs are exact. */
export * as Money from "./Money.js"

/** Batched, rate-limited, billing-safe posting. */
export * as TaskBatcher from "./TaskBatcher.js"

/** Results back: tasks_ready as the cheap signal, task_get by id when it is not enough, typed outcomes per task. */
export * as TaskPoller from "./TaskPoller.js"

/** What a failure means for a person: a fixable one in two plain lines, and a reporter for programs. */
export * as Diagnosis from "./Diagnosis.js"

/** The facade: tasks in, each task's result or typed error out as a Stream; a result is collected once taken. */
export * as Serp from "./Serp.js"
