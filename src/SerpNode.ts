/**
 * The whole stack in one layer, from the environment, for programs on Node: `Serp` over the batcher, the poller, a
 * ledger and the client on undici.
 *
 * This is an entry point of its own (`effect-dataforseo/SerpNode`) because it needs the optional peers
 * `@effect/platform-node` (undici) and, for the SQLite ledger, `@effect/sql` and `@effect/sql-sqlite-node`. The main
 * entry imports none of them, so a program that brings its own HttpClient and ledger need not install them.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { NaverOrganic, Serp } from "effect-dataforseo"
 * import * as SerpNode from "effect-dataforseo/SerpNode"
 *
 * const program = Effect.gen(function*() {
 *   const serp = yield* Serp.Serp
 *   yield* Stream.runForEach(
 *     serp.run(NaverOrganic.engine, [{ keyword: "effect" }], { format: "regular" }),
 *     (outcome) => Effect.log(outcome.result)
 *   )
 * }).pipe(Effect.provide(SerpNode.layerConfig()))
 * ```
 *
 * @since 0.1.0
 */
import type * as Migrator from "@effect/sql/Migrator"
import type { SqlError } from "@effect/sql/SqlError"
import type * as ConfigError from "effect/ConfigError"
import type * as Layer from "effect/Layer"
import type { DataForSeoClient } from "./DataForSeoClient.js"
import type { DataForSeoConfig } from "./DataForSeoConfig.js"
import * as internal from "./internal/serp/layerConfig.js"
import type { Serp } from "./Serp.js"
import type * as TaskBatcher from "./TaskBatcher.js"
import type { LedgerStoreError, TaskLedger } from "./TaskLedger.js"
import type * as TaskPoller from "./TaskPoller.js"

/** Options of the services the stack builds; the rest comes from the environment. */
export interface StackOptions {
  /** The batcher's options: `runId`, `budget`, ... */
  readonly batcher?: TaskBatcher.Options | undefined
  /** The poller's options. */
  readonly poller?: TaskPoller.Options | undefined
}

/**
 * The whole stack from configuration (environment variables unless another ConfigProvider is set):
 * `DataForSeoConfig.layerConfig` (DATAFORSEO_LOGIN, DATAFORSEO_PASSWORD, ...), the undici HttpClient, the client,
 * the SQLite ledger on `DATAFORSEO_LEDGER_FILE` when it is set (`TaskLedgerSqlite.layerSqliteConfig`) and the
 * memory ledger otherwise, the batcher (its run id from `DATAFORSEO_RUN_ID` when `options.batcher.runId` is not
 * given: set it to rerun a job with `resume: true`), the poller and `Serp`. Every service of the stack is in the layer's output.
 */
export const layerConfig: (
  options?: StackOptions
) => Layer.Layer<
  Serp | TaskBatcher.TaskBatcher | TaskPoller.TaskPoller | TaskLedger | DataForSeoClient | DataForSeoConfig,
  ConfigError.ConfigError | LedgerStoreError | Migrator.MigrationError | SqlError
> = internal.layerConfig
