/**
 * `npm run sandbox`: the emulator as a process of its own, on a fixed port (8642 unless `--port` or
 * `SANDBOX_PORT` says otherwise). A job can be killed and run again against it, and
 * `GET /sandbox/stats` tells what it billed across every run. SIGINT or SIGTERM stops it with a summary
 * and exit code 0. `--help` lists the options.
 *
 * It ships with the package (`dist/sandbox/main.js`), so a project that installed the library can run it
 * with `node node_modules/effect-dataforseo/dist/sandbox/main.js`.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { main } from "./internal/standalone.js"

NodeRuntime.runMain(main(process.argv.slice(2), process.env), { disableErrorReporting: true })
