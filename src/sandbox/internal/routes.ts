/**
 * The emulator's routing: which function a method and path call, built once from the engines' paths.
 *
 * @internal
 */
import type { AnyEngine, ResultFormat } from "../../Engine.js"
import type { ResolvedOptions } from "../Options.js"

/** A call the emulator answers, with what its path names (engine, format, task id). */
export type Route =
  | { readonly fn: "task_post"; readonly engine: AnyEngine }
  | { readonly fn: "tasks_ready"; readonly engine: AnyEngine | undefined }
  | { readonly fn: "task_get"; readonly engine: AnyEngine; readonly format: ResultFormat; readonly id: string }
  | { readonly fn: "id_list" | "errors" | "webhook_resend" | "user_data" }

/** The routing tables: by exact path, and task_get by its path up to the task id. */
export interface Routes {
  readonly post: ReadonlyMap<string, AnyEngine>
  readonly ready: ReadonlyMap<string, AnyEngine | undefined>
  readonly get: ReadonlyMap<string, { readonly engine: AnyEngine; readonly format: ResultFormat }>
  readonly fixed: ReadonlyMap<string, { readonly method: string; readonly route: Route }>
}

const formats: ReadonlyArray<ResultFormat> = ["regular", "advanced", "html"]

/** The routes of the configured engines, and of the functions every account has. */
export const makeRoutes = (options: ResolvedOptions): Routes => {
  const post = new Map<string, AnyEngine>()
  const ready = new Map<string, AnyEngine | undefined>([["/v3/serp/tasks_ready", undefined]])
  const get = new Map<string, { readonly engine: AnyEngine; readonly format: ResultFormat }>()
  for (const engine of options.engines) {
    post.set(engine.paths.taskPost, engine)
    ready.set(engine.paths.tasksReady, engine)
    for (const format of formats) get.set(engine.paths.taskGet(format, ""), { engine, format })
  }
  const fixed = new Map<string, { readonly method: string; readonly route: Route }>([
    ["/v3/serp/id_list", { method: "POST", route: { fn: "id_list" } }],
    ["/v3/serp/errors", { method: "POST", route: { fn: "errors" } }],
    ["/v3/appendix/webhook_resend", { method: "POST", route: { fn: "webhook_resend" } }],
    ["/v3/appendix/user_data", { method: "GET", route: { fn: "user_data" } }]
  ])
  return { post, ready, get, fixed }
}

/** The route of an upper-case method and a path, or undefined for a path the API does not have. */
export const routeOf = (routes: Routes, method: string, path: string): Route | undefined => {
  if (method === "POST") {
    const engine = routes.post.get(path)
    if (engine !== undefined) return { fn: "task_post", engine }
  } else if (method === "GET") {
    if (routes.ready.has(path)) return { fn: "tasks_ready", engine: routes.ready.get(path) }
    const slash = path.lastIndexOf("/")
    const get = routes.get.get(path.slice(0, slash + 1))
    if (get !== undefined && slash < path.length - 1) return { fn: "task_get", ...get, id: path.slice(slash + 1) }
  }
  const fixed = routes.fixed.get(path)
  return fixed !== undefined && fixed.method === method ? fixed.route : undefined
}
