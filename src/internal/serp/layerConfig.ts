/**
 * The whole stack from configuration: credentials and limits, undici, the client, a ledger (SQLite when
 * `DATAFORSEO_LEDGER_FILE` is set, memory otherwise), the batcher, the poller and Serp.
 *
 * @since 0.1.0
 * @internal
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as DataForSeoClient from "../../DataForSeoClient.js"
import * as DataForSeoConfig from "../../DataForSeoConfig.js"
import * as Serp from "../../Serp.js"
import type { StackOptions } from "../../SerpNode.js"
import * as TaskBatcher from "../../TaskBatcher.js"
import * as TaskLedger from "../../TaskLedger.js"
import * as TaskLedgerSqlite from "../../TaskLedgerSqlite.js"
import * as TaskPoller from "../../TaskPoller.js"
import * as UndiciHttpClient from "../../UndiciHttpClient.js"

/** The variable that names the ledger's SQLite file. */
export const ledgerFileVariable = "DATAFORSEO_LEDGER_FILE"

/** The SQLite ledger when `DATAFORSEO_LEDGER_FILE` is set and not blank, else the memory ledger. */
export const ledgerLayer = Layer.unwrapEffect(
  Effect.map(
    Config.option(Config.string(ledgerFileVariable)),
    (file) =>
      Option.isSome(Option.filter(file, (name) => name.trim() !== ""))
        ? TaskLedgerSqlite.layerSqliteConfig()
        : TaskLedger.layerMemory
  )
)

/** The variable that names the run (the batcher's `runId`), so that a rerun takes up what an earlier process left. */
export const runIdVariable = "DATAFORSEO_RUN_ID"

/** The batcher, its `runId` from `DATAFORSEO_RUN_ID` when the options give none. */
const batcherLayer = (options: TaskBatcher.Options = {}) =>
  Layer.unwrapEffect(
    Effect.map(
      Config.option(Config.nonEmptyString(runIdVariable)),
      (runId) => TaskBatcher.layer({ ...options, runId: options.runId ?? Option.getOrUndefined(runId) })
    )
  )

/** Serp with everything under it, each service exposed too. */
export const layerConfig = (options: StackOptions = {}) =>
  Serp.layer.pipe(
    Layer.provideMerge(Layer.merge(batcherLayer(options.batcher), TaskPoller.layer(options.poller))),
    Layer.provideMerge(ledgerLayer),
    Layer.provideMerge(DataForSeoClient.layerBasic),
    Layer.provideMerge(Layer.merge(DataForSeoConfig.layerConfig, UndiciHttpClient.layer))
  )
