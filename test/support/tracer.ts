/** A tracer that keeps every span it starts, with its attributes, for tests to assert on. */
import * as Tracer from "effect/Tracer"

/** The tracer, and the spans it started (in order). */
export const recordingTracer = () => {
  const spans: Array<Tracer.Span & { readonly attributes: Map<string, unknown> }> = []
  let ids = 0
  const tracer = Tracer.make({
    span: (name, parent, context, links, _startTime, kind) => {
      const span = {
        _tag: "Span" as const,
        name,
        spanId: `span-${++ids}`,
        traceId: "trace",
        parent,
        context,
        status: { _tag: "Started" as const, startTime: 0n },
        attributes: new Map<string, unknown>(),
        links,
        sampled: true,
        kind,
        end: () => {},
        attribute: (key: string, value: unknown) => {
          span.attributes.set(key, value)
        },
        event: () => {},
        addLinks: () => {}
      }
      spans.push(span)
      return span
    },
    context: (f) => f()
  })
  return { tracer, spans }
}
