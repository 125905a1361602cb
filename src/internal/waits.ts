/**
 * What a service waits on, for `Progress`: the waits in course (reconciling, backing off), each opened and
 * closed around its effect, and a pacer's 40202 cut while it is in force.
 *
 * @since 0.1.0
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Pacer from "../Pacer.js"
import { BackingOff, type Endpoint, RateLimited, Reconciling, type Waiting } from "../Progress.js"

/** One wait in course. */
interface Open {
  readonly kind: "Reconciling" | "BackingOff"
  readonly tasks: number
  readonly since: number
}

/** The waits in course of one service. */
export type Waits = Set<Open>

/** Runs `effect` as a wait of `kind` for `tasks` tasks: it shows in `inCourse` until the effect ends. */
export const during =
  (waits: Waits, kind: Open["kind"], tasks: number) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(Clock.currentTimeMillis, (since) => {
      const open: Open = { kind, tasks, since }
      waits.add(open)
      return Effect.ensuring(effect, Effect.sync(() => waits.delete(open)))
    })

/** The waits in course, one per kind: their tasks added up, since the oldest began. */
export const inCourse = (waits: Waits): Array<Waiting> => {
  const byKind = new Map<Open["kind"], { tasks: number; since: number }>()
  for (const open of waits) {
    const same = byKind.get(open.kind)
    if (same === undefined) byKind.set(open.kind, { tasks: open.tasks, since: open.since })
    else {
      same.tasks += open.tasks
      same.since = Math.min(same.since, open.since)
    }
  }
  return [...byKind].map(([kind, wait]) => kind === "Reconciling" ? new Reconciling(wait) : new BackingOff(wait))
}

/** The pacer's cut, while a 40202 keeps its limit below the configured one. */
export const rateLimited = (endpoint: Endpoint, pacer: Pacer.Pacer): Effect.Effect<Array<Waiting>> =>
  Effect.map(
    pacer.currentLimit,
    (limit) => limit < pacer.limit ? [new RateLimited({ endpoint, limit, configured: pacer.limit })] : []
  )
