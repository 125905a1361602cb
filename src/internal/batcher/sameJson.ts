/**
 * Whether two JSON values say the same thing: objects compared by their keys whatever their order, a key
 * whose value is `undefined` the same as a missing one (JSON drops both), arrays element by element.
 * For a task submitted again under a recorded key, against the request the ledger holds.
 *
 * @since 0.1.0
 * @internal
 */
const definedKeys = (value: object): Array<string> =>
  Object.keys(value).filter((key) => Reflect.get(value, key) !== undefined)

/** Whether `a` and `b` say the same thing as JSON (see the module comment). */
export const sameJson = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]))
  }
  const keys = definedKeys(a)
  return keys.length === definedKeys(b).length &&
    keys.every((key) => sameJson(Reflect.get(a, key), Reflect.get(b, key)))
}
