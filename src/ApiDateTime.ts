/**
 * Date-times as the API writes them: `"yyyy-mm-dd hh:mm:ss +00:00"`, in UTC. One codec for every place that
 * writes one (id_list's window, the sandbox's replies) or reads one (a result's `datetime`, id_list's
 * `datetime_posted`, tasks_ready's `date_posted`).
 *
 * @example
 * import { ApiDateTime } from "effect-dataforseo"
 *
 * ApiDateTime.fromMillis(Date.UTC(2026, 2, 17, 11, 24, 44)) // "2026-03-17 11:24:44 +00:00"
 * ApiDateTime.toMillis("2026-03-17 11:24:44 +00:00")        // Option.some(1773746684000)
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

/** A UTC date-time as the API writes it: `"yyyy-mm-dd hh:mm:ss +00:00"`, e.g. `"2026-03-17 11:24:44 +00:00"`. */
export const ApiDateTime = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+00:00$/, {
    message: () => `a UTC date-time in the form "yyyy-mm-dd hh:mm:ss +00:00"`
  }),
  Schema.brand("ApiDateTime")
)
/** @see ApiDateTime */
export type ApiDateTime = typeof ApiDateTime.Type

/** A time (epoch milliseconds or a `Date`) as the API writes it, to the second. */
export const fromMillis = (time: number | Date): ApiDateTime =>
  ApiDateTime.make(`${new Date(time).toISOString().slice(0, 19).replace("T", " ")} +00:00`)

const pattern = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2})[:-](\d{2})[:-](\d{2})(?:\.\d+)?\s*(?:([+-])(\d{2}):?(\d{2})|Z)?$/

/**
 * Epoch milliseconds of a date-time the API wrote, read tolerantly: any offset (`+00:00`, `+0200`, `Z`, none
 * for UTC), a `T` or a space before the time, dashes or colons in it, fractions of a second. None when the
 * text is not a date-time.
 */
export const toMillis = (text: string): Option.Option<number> => {
  const match = pattern.exec(text.trim())
  if (match === null) return Option.none()
  const [, y, mo, d, h, mi, s, sign, oh, om] = match
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
  const offset = sign === undefined ? 0 : (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000
  return Option.filter(Option.some(utc - offset), Number.isFinite)
}
