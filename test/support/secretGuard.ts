/**
 * Runs before every test file: whatever the suite writes to the console, stdout or stderr is kept,
 * and the file fails if the test password, or the Basic credential made from it, ever appears there.
 */
import { afterAll, expect } from "vitest"
import { login, password } from "./client.js"

const secrets = [password, Buffer.from(`${login}:${password}`).toString("base64")]
const written: Array<string> = []

for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream)
  stream.write = ((chunk: unknown, ...rest: Array<never>) => {
    written.push(String(chunk))
    return write(chunk as string, ...rest)
  }) as typeof stream.write
}
for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
  const original = console[method].bind(console)
  console[method] = (...args: Array<unknown>) => {
    written.push(args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg) ?? String(arg))).join(" "))
    original(...args)
  }
}

afterAll(() => {
  const output = written.join("\n")
  for (const secret of secrets) expect(output.includes(secret), "a secret was written to the output").toBe(false)
})
