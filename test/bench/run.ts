/**
 * `npm run bench`: runs every benchmark script of this folder in its own process, one after the other,
 * so that no benchmark warms or loads the heap of the next. Each prints `bench <name> <metric>=<value> target=<value>`.
 */
import { spawnSync } from "node:child_process"
import { readdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
const only = process.argv.slice(2)
const scripts = readdirSync(here)
  .filter((file) => file.endsWith(".ts") && file !== "run.ts")
  .filter((file) => only.length === 0 || only.some((name) => file.startsWith(name)))
  .sort()

let failed = 0
for (const script of scripts) {
  const run = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", join(here, script)], { stdio: "inherit" })
  if (run.status !== 0) {
    failed++
    console.error(`bench ${script} failed with exit code ${run.status}`)
  }
}
process.exit(failed === 0 ? 0 : 1)
