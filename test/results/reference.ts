/**
 * DataForSEO's own example replies, copied from their docs pages to `test/fixtures/reference/` (the README
 * there says which page each comes from). The task_get/advanced example is not valid JSON as published:
 * `repairedAdvanced` applies the few edits that make it parse, each one checked against the published line.
 */
import { readFileSync } from "node:fs"

/** The text of `test/fixtures/reference/{name}`. */
export const readReference = (name: string): string =>
  readFileSync(new URL(`../fixtures/reference/${name}`, import.meta.url), "utf8")

/** The parsed JSON of `test/fixtures/reference/{name}`. */
export const referenceReply = (name: string): unknown => JSON.parse(readReference(name))

/** One edit of the published text: the line (1-based), its text as published (trimmed), and its new text. */
interface LineEdit {
  readonly line: number
  readonly published: string
  readonly repaired: string
}

// The `product_considerations` item: its element's `expanded_element` holds two objects, the second written
// where a field is expected. The docs' field table says `expanded_element` is an array: the edits make it
// one and close the brackets the published text leaves open. They also drop two trailing commas there.
// The `ai_overview` item: a trailing comma after its last element. The end: the text closes `result` right
// after the last item, leaving `items` and the result object open.
const advancedEdits: ReadonlyArray<LineEdit> = [
  { line: 2356, published: `"expanded_element": {`, repaired: `"expanded_element": [{` },
  { line: 2403, published: `},`, repaired: `}` },
  { line: 2404, published: `],`, repaired: `]}],` },
  { line: 2413, published: `},`, repaired: `}` },
  { line: 2415, published: `}`, repaired: `}]}` },
  { line: 2769, published: `},`, repaired: `}` },
  { line: 2798, published: `]`, repaired: `]}]` }
]

/**
 * The published task_get/advanced example, repaired to JSON by `advancedEdits`. Fails the test when a line
 * no longer reads as published.
 */
export const repairedAdvanced = (): unknown => {
  const lines = readReference("google-organic-task_get-advanced.as-published.txt").split("\n")
  for (const edit of advancedEdits) {
    const text = lines[edit.line - 1]
    if (text === undefined || text.trim() !== edit.published) {
      throw new Error(`line ${edit.line} reads ${JSON.stringify(text)}, not ${JSON.stringify(edit.published)}`)
    }
    lines[edit.line - 1] = text.replace(edit.published, edit.repaired)
  }
  return JSON.parse(lines.join("\n"))
}
