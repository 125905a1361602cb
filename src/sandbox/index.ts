/**
 * `effect-dataforseo/sandbox`: the DataForSEO emulator, in-process (`Sandbox.layer`) or on loopback
 * (`Sandbox.serve`). Its own entry point because `serve` needs the optional peer @effect/platform-node.
 *
 * @since 0.1.0
 */
export * as Sandbox from "./Sandbox.js"
