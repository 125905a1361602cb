/**
 * Run by `Deadlines.test.ts` in a process of its own: two calls with a 30 s deadline that end at once. The
 * process must then exit at once: a watcher left sleeping would keep it alive for 30 s.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Deadlines from "../../src/internal/deadlines.js"

const { within } = Deadlines.make()
const call = (ms: number) => within(Effect.sleep(Duration.millis(ms)), Duration.seconds(30), () => "timed out")
await Effect.runPromise(Effect.all([call(20), call(40)], { concurrency: "unbounded" }))
