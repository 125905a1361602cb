/**
 * The README's code compiles: each ```ts block is type-checked against the library's source, with the
 * options of tsconfig.json. README.md is read when the test runs, so a change to it is checked.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { checkDocuments, extractBlocks, formatDiagnostic, makeChecker } from "./support/readmeSnippets.js"

const root = Path.resolve(import.meta.dirname, "..")
const readme = Fs.readFileSync(Path.join(root, "README.md"), "utf8")

/**
 * A fragment and a whole program, each with a misspelt name: lines 4 and 11 must be reported. The third
 * block compiles: a fragment whose import spans lines stays outside the `Effect.gen` it is wrapped in.
 */
const broken = [
  "Some prose.",
  "",
  "```ts",
  "const reply = yield* client.gett(GoogleOrganic.paths.taskGet(\"advanced\", taskId), GoogleOrganic.AdvancedResult)",
  "const count = reply.tasks.length",
  "```",
  "",
  "```ts",
  "import { Effect } from \"effect\"",
  "import { GoogleOrganic } from \"effect-dataforseo\"",
  "Effect.runPromise(Effect.succed(GoogleOrganic.paths.taskPost))",
  "```",
  "",
  "```ts",
  "import {",
  "  GoogleOrganic as Google",
  "} from \"effect-dataforseo\"",
  "const ready = yield* client.get(Google.paths.tasksReady, Schema.Unknown)",
  "```",
  ""
].join("\n")

// One Program checks both texts: loading the library's types is most of the time.
const diagnostics = checkDocuments(makeChecker(root), [
  { name: "README.md", text: readme },
  { name: "broken.md", text: broken }
])

describe("README", () => {
  it("has TypeScript blocks to check", () => {
    expect(extractBlocks(readme).length).toBeGreaterThanOrEqual(9)
  })

  it("every ```ts block compiles", () => {
    const errors = diagnostics.filter((d) => d.document !== "broken.md").map(formatDiagnostic)
    expect(errors).toEqual([])
  })

  it("reports a broken snippet with its block and its line", () => {
    const errors = diagnostics.filter((d) => d.document === "broken.md")
    expect(errors.map(({ block, code, line }) => ({ block, code, line }))).toEqual([
      { block: 1, code: 2551, line: 4 },
      { block: 2, code: 2551, line: 11 }
    ])
    expect(errors.map(formatDiagnostic)).toEqual([
      expect.stringMatching(/^broken\.md:4 \(block 1\): TS2551 Property 'gett' does not exist/),
      expect.stringMatching(/^broken\.md:11 \(block 2\): TS2551 Property 'succed' does not exist/)
    ])
  })
})
